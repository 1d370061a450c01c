"""ROC curve: the true positive rate against the false positive rate at every threshold, built by
sorting the scores once."""

from __future__ import annotations

import math

from mlterms.demos.hand.metrics import gaussian_scores, normal_tail, roc_points
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

GRID = 21  # false positive rates at which curves are compared


@demo(
    summary="A ROC curve plots the true positive rate (recall) against the false positive rate as the "
    "decision threshold sweeps from high to low: one point per threshold, from (0, 0) to (1, 1); it "
    "depends only on how the scores rank the examples.",
    params=[
        Param(
            "mu",
            "float",
            1.5,
            "mean score of the positives (the negatives' is 0, both std 1)",
            min=0.0,
            max=4.0,
        ),
        Param("n", "int", 1000, "test examples, half positive", min=200, max=10000),
    ],  # fmt: skip
)
def run(r: Report, *, mu: float, n: int) -> None:
    scores, y = gaussian_scores(n, mu, 0.5)
    fpr, tpr, thresholds = building(r, scores, y)
    shape(r, scores, y, fpr, tpr, mu)
    rankings(r, scores, y, fpr, tpr)
    small_s = scores[:6].round(decimals=2)
    small_y = y[:6]
    t = float(small_s.median())
    r.exercise(
        "one-roc-point",
        "Call score >= t positive. What is the point (FPR, TPR) on the ROC curve of these six examples?",
        [float(((small_s >= t) & (small_y == 0)).sum()) / max(int((small_y == 0).sum()), 1),
         float(((small_s >= t) & (small_y == 1)).sum()) / max(int((small_y == 1).sum()), 1)],
        given={"scores": small_s, "labels": small_y, "t": t},
        tolerance=1e-3,
    )  # fmt: skip


def building(r: Report, scores, y):
    import torch

    s = r.section(f"sort once, count as you go ({len(y)} examples, {int(y.sum())} positive)")
    s.note(
        "Sort the scores from high to low. Lowering the threshold past a positive moves the curve up "
        "by 1 / P, past a negative right by 1 / N: TPR = TP / P is recall, FPR = FP / N the share of "
        "negatives flagged. Tied scores move together."
    )
    fpr, tpr, thresholds = roc_points(scores, y)  # (K + 1,) each, K distinct scores
    step = max(1, len(fpr) // 8)
    s.table(["threshold", "FPR", "TPR"],
            [[float(thresholds[i]), fpr[i], tpr[i]] for i in [*range(0, len(fpr) - 1, step), len(fpr) - 1]])  # fmt: skip
    P, N = int(y.sum()), int((1 - y).sum())
    some = torch.linspace(0, len(fpr) - 1, 60).long().unique()  # 60 of the thresholds, brute force
    called = scores[None, :] >= thresholds[some, None]  # (60, n)
    r.check_close(
        "ROC by one sort and cumulative sums == counting score >= t at 60 thresholds",
        torch.stack([fpr[some], tpr[some]]),
        torch.stack([(called & (y == 0)).sum(1).double() / N, (called & (y == 1)).sum(1).double() / P]),
        atol=1e-12,
    )
    ends = [float(fpr[0]), float(tpr[0]), float(fpr[-1]), float(tpr[-1])] == [0.0, 0.0, 1.0, 1.0]
    rising = bool((fpr.diff() >= 0).all() and (tpr.diff() >= 0).all())
    r.check("the curve runs from (0, 0) to (1, 1) and never goes down or left", ends and rising,
            f"{len(fpr)} points", kind="property")  # fmt: skip
    return fpr, tpr, thresholds


def tpr_at(fpr, tpr, grid):
    """The curve's highest TPR at each FPR of grid (the staircase read from the left)."""
    import torch

    return torch.stack([tpr[fpr <= g + 1e-12].max() for g in grid])


def shape(r: Report, scores, y, fpr, tpr, mu: float) -> None:
    import torch

    s = r.section("the curve against its closed form and the diagonal")
    grid = torch.linspace(0, 1, GRID, dtype=torch.float64)
    rand_s, rand_y = gaussian_scores(len(y), 0.0, 0.5)  # a scorer that knows nothing
    rf, rt, _ = roc_points(rand_s, rand_y)
    s.plot(f"TPR against FPR: mu = {mu:g} above a random scorer near the diagonal",
           grid, model=tpr_at(fpr, tpr, grid), random=tpr_at(rf, rt, grid), diagonal=grid)  # fmt: skip
    # Scores N(mu, 1) and N(0, 1): at threshold t, FPR = P(N(0,1) >= t), TPR = P(N(0,1) >= t - mu)
    rows, worst = [], 0.0
    P, N = int(y.sum()), int((1 - y).sum())
    for t in (2.0, 1.0, 0.5, 0.0, -1.0):
        f = float(((scores >= t) & (y == 0)).sum()) / N
        tt = float(((scores >= t) & (y == 1)).sum()) / P
        want_f, want_t = normal_tail(t), normal_tail(t - mu)
        for got, want, m in ((f, want_f, N), (tt, want_t, P)):
            se = math.sqrt(want * (1 - want) / m)
            worst = max(worst, (abs(got - want) - 1 / m) / max(se, 1e-12))
        rows.append([t, f, want_f, tt, want_t])
    s.table(["threshold", "FPR", "P(N(0,1) >= t)", "TPR", "P(N(0,1) >= t - mu)"], rows)
    s.note(
        "A scorer no better than chance has TPR = FPR on average: the diagonal. The further the curve "
        "bows toward the top-left corner, the better the ranking; its area is the AUC: `mlterms demo "
        "area under the curve`."
    )
    r.check("the empirical points == the binormal closed form (within 4.5 SE + 1 / count)", worst <= 4.5,
            f"largest excess gap {worst:.2f} SE", kind="reference")  # fmt: skip


def rankings(r: Report, scores, y, fpr, tpr) -> None:
    import torch

    s = r.section("only the ranking matters")
    rows, same = [], True
    for name, squashed in (("sigmoid(score)", torch.sigmoid(scores)), ("exp(3 score)", torch.exp(3 * scores)),
                           ("score^3", scores**3)):  # fmt: skip
        f2, t2, _ = roc_points(squashed, y)
        equal = len(f2) == len(fpr) and bool((f2 == fpr).all() and (t2 == tpr).all())
        same = same and equal
        rows.append([name, len(f2), "identical" if equal else "differs"])
    s.table(["scores passed through", "points", "curve"], rows)
    s.note(
        "Any increasing function of the scores keeps their order, so the same thresholds split the "
        "examples the same way: the ROC curve cannot tell a calibrated model from a miscalibrated one "
        "(`mlterms demo calibration`), nor does it move with the share of positives."
    )
    r.check("the curve is unchanged by increasing transforms of the scores", same, "3 transforms",
            kind="property")  # fmt: skip
