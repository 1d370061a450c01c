"""Area under the ROC curve: the trapezoid area equals the chance that a random positive outscores a
random negative, the Mann-Whitney U statistic scaled to [0, 1]."""

from __future__ import annotations

import math

from mlterms.demos.hand.metrics import gaussian_scores, pairwise_auc, roc_points, trapezoid
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="The AUC is the area under the ROC curve, one number for the whole threshold range: the "
    "probability that a random positive scores above a random negative (ties count half); 0.5 is "
    "chance, 1 a perfect ranking.",
    params=[
        Param(
            "mu",
            "float",
            1.0,
            "mean score of the positives (the negatives' is 0, both std 1)",
            min=0.0,
            max=4.0,
        ),
        Param("n", "int", 800, "test examples", min=100, max=2000),
        Param(
            "decimals",
            "int",
            1,
            "scores rounded to this many decimals (few decimals: many ties)",
            min=0,
            max=6,
        ),
    ],  # fmt: skip
)
def run(r: Report, *, mu: float, n: int, decimals: int) -> None:
    import torch

    raw, y = gaussian_scores(n, mu, 0.4)
    scores = torch.round(raw, decimals=decimals)
    three_ways(r, scores, y, decimals)
    closed_form(r, raw, y, mu)
    symmetry(r, scores, y)
    pos, neg = [0.9, 0.4, 0.7], [0.2, 0.5, 0.4, 0.1]
    pairs = [(1.0 if p > q else 0.5 if p == q else 0.0) for p in pos for q in neg]
    r.exercise(
        "auc-by-pairs",
        "Three positives and four negatives have these scores. What is the AUC (count the pairs a "
        "positive wins, a tie as half)?",
        sum(pairs) / len(pairs),
        given={"positive scores": pos, "negative scores": neg},
        tolerance=1e-3,
    )


def rank_sum_auc(scores, y) -> float:
    """Mann-Whitney: U = (sum of the positives' ranks) - P (P + 1) / 2, ties given their mean rank;
    AUC = U / (P N)."""
    import torch

    values, inverse, counts = torch.unique(scores, return_inverse=True, return_counts=True)
    top = torch.cumsum(counts, 0).double()  # the highest rank (1-based) in each run of ties
    mean_rank = top - (counts.double() - 1) / 2  # (distinct,) the average rank of each run
    ranks = mean_rank[inverse]  # (n,)
    P, N = int(y.sum()), int((1 - y).sum())
    return (float(ranks[y == 1].sum()) - P * (P + 1) / 2) / (P * N)


def three_ways(r: Report, scores, y, decimals: int) -> None:
    s = r.section(f"one number, three ways ({len(y)} examples, {int(y.sum())} positive)")
    fpr, tpr, _ = roc_points(scores, y)
    area, pairs, ranks = trapezoid(fpr, tpr), pairwise_auc(scores, y), rank_sum_auc(scores, y)
    distinct = len(set(scores.tolist()))
    s.table(
        ["method", "AUC"],
        [["trapezoid area under the ROC curve", area],
         ["share of (positive, negative) pairs ordered right, ties 1/2", pairs],
         ["Mann-Whitney U / (P N), from the rank sum", ranks]],
        title=f"scores rounded to {decimals} decimals: {distinct} distinct values among {len(y)}",
    )  # fmt: skip
    s.note(
        "Each step of the ROC staircase up (a positive) and right (a negative) adds the area of the "
        "pairs it settles; a run of tied scores moves diagonally, and the triangle under it is exactly "
        "half of those tied pairs. So the area is a count of pairs, which is what the rank-sum test counts."
    )
    r.check_close("trapezoid area == share of pairs ranked right", area, pairs, atol=1e-12)
    r.check_close("Mann-Whitney U / (P N) == share of pairs ranked right", ranks, pairs, atol=1e-12)


def closed_form(r: Report, raw, y, mu: float) -> None:
    s = r.section("what the number means")
    auc = pairwise_auc(raw, y)
    want = 0.5 * math.erfc(-mu / 2)  # P(N(mu, 1) - N(0, 1) > 0) = Phi(mu / sqrt 2)
    P, N = int(y.sum()), int((1 - y).sum())
    q1, q2 = want / (2 - want), 2 * want**2 / (1 + want)  # Hanley and McNeil's variance of an AUC
    se = math.sqrt((want * (1 - want) + (P - 1) * (q1 - want**2) + (N - 1) * (q2 - want**2)) / (P * N))
    s.table(
        ["AUC", "value"],
        [["on the unrounded scores", auc], ["Phi(mu / sqrt(2))", want], ["standard error", se]],
    )
    s.note(
        f"Positives score N({mu:g}, 1), negatives N(0, 1): a positive beats a negative when their "
        "difference, N(mu, 2), is above 0. The AUC summarises the ranking over all thresholds; it says "
        "nothing about any one threshold's precision, nor about calibration (`mlterms demo calibration`)."
    )
    r.check("AUC == Phi(mu / sqrt(2)) (within 4.5 SE)", abs(auc - want) <= 4.5 * se + 1e-12,
            f"{auc:.4f} vs {want:.4f}", kind="reference")  # fmt: skip


def symmetry(r: Report, scores, y) -> None:
    s = r.section("flipping the scores flips the AUC")
    auc, flipped = pairwise_auc(scores, y), trapezoid(*roc_points(-scores, y)[:2])
    s.table(["scores", "AUC"], [["s", auc], ["-s", flipped]])
    s.note("A model below 0.5 ranks backwards: negate its scores and it is above 0.5 by as much.")
    r.check_close("AUC(-s) == 1 - AUC(s)", flipped, 1 - auc, atol=1e-12, kind="property")
