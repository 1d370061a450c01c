"""Recall: of the real positives, the share the model finds; it only falls as the threshold rises,
and calling everything positive gets it to 1."""

from __future__ import annotations

import math

from mlterms.demos.hand.metrics import binary_counts, gaussian_scores, normal_tail, ratio
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

RATES = (0.5, 0.1, 0.02)  # prevalences of the positive class


@demo(
    summary="Recall (sensitivity, true positive rate) is TP / (TP + FN): of the examples that really are "
    "positive, the share the model finds. It never rises with the threshold, and calling every "
    "example positive reaches 1, which is why it is read with precision.",
    params=[
        Param(
            "mu",
            "float",
            2.0,
            "mean score of the positives (the negatives' is 0, both std 1)",
            min=0.5,
            max=4.0,
        ),
        Param("n", "int", 2000, "test examples", min=500, max=20000),
        Param("t", "float", 1.0, "the threshold: score >= t is called positive", min=-2.0, max=4.0),
    ],  # fmt: skip
)
def run(r: Report, *, mu: float, n: int, t: float) -> None:
    scores, y = gaussian_scores(n, mu, 0.3)
    every_threshold(r, scores, y, mu)
    trivial(r, scores, y)
    base_rate(r, mu, n, t)
    pos = scores[y == 1][:8]
    r.exercise(
        "recall-of-scores",
        "These are the scores of all 8 positives of a small test set. At threshold t, what is the recall?",
        float((pos >= t).double().mean()),
        given={"positive scores": pos.round(decimals=4), "t": t},
        tolerance=1e-3,
    )


def every_threshold(r: Report, scores, y, mu: float) -> None:
    import torch

    s = r.section(f"recall at every threshold ({len(y)} examples, {int(y.sum())} positive)")
    s.note(f"Positives score ~ N({mu:g}, 1), negatives ~ N(0, 1); score >= t is called positive.")
    grid = torch.linspace(float(scores.min()) - 0.1, float(scores.max()) + 0.1, 61, dtype=torch.float64)
    recalls = torch.tensor([ratio(*counts(y, scores >= t)) for t in grid.tolist()], dtype=torch.float64)
    pos = torch.sort(scores[y == 1]).values
    # positives below t are the ones missed: count them by binary search in the sorted scores
    by_search = 1 - torch.searchsorted(pos, grid, side="left").double() / len(pos)
    s.plot("recall (share of positives with score >= t) against t", grid, recall=recalls)
    s.table(["threshold t", "recall"], [[round(float(grid[i]), 3), recalls[i]] for i in range(0, 61, 10)])
    r.check_close(
        "recall from the confusion counts == 1 - searchsorted(sorted positive scores, t) / P",
        recalls,
        by_search,
        atol=1e-12,
    )
    rises = int((recalls[1:] > recalls[:-1]).sum())
    r.check(
        "recall never rises as the threshold rises (a higher t only drops positives)",
        rises == 0,
        f"{rises} rises over {len(grid)} thresholds, {float(recalls[0]):.2f} down to {float(recalls[-1]):.2f}",
        kind="property",
    )


def counts(y, called) -> tuple[int, int]:
    """(TP, TP + FN): the positives found, and all the positives."""
    tp, _, fn, _ = binary_counts(y, called)
    return tp, tp + fn


def trivial(r: Report, scores, y) -> None:
    import torch

    s = r.section("recall alone can be gamed")
    rows = []
    for name, called in (("call everything positive", scores >= -math.inf), ("score >= 1", scores >= 1.0)):
        tp, fp, fn, _ = binary_counts(y, called)
        rows.append([name, ratio(tp, tp + fn), ratio(tp, tp + fp)])
    s.table(["classifier", "recall", "precision"], rows)
    s.note(
        "Calling every example positive finds every positive (recall 1) and its precision falls to the "
        "share of positives. Precision is gamed the other way (call only the surest one). So the two are "
        "reported together, or combined in F1: `mlterms demo precision`, `mlterms demo f1 score`."
    )
    r.check_close(
        "everything positive: recall == 1 and precision == share of positives",
        torch.tensor([rows[0][1], rows[0][2]]),
        torch.tensor([1.0, float(y.double().mean())]),
        atol=1e-12,
        kind="property",
    )


def base_rate(r: Report, mu: float, n: int, t: float) -> None:
    s = r.section(f"recall does not depend on how common positives are (t = {t:g})")
    want = normal_tail(t - mu)  # P(score >= t | positive)
    rows, worst = [], 0.0
    for pi in RATES:
        scores, y = gaussian_scores(n, mu, pi)
        tp, fp, fn, _ = binary_counts(y, scores >= t)
        se = math.sqrt(want * (1 - want) / max(tp + fn, 1))
        # a gap of one example (1 / P) is allowed on top: with few positives the normal SE is too tight
        worst = max(worst, (abs(ratio(tp, tp + fn) - want) - 1 / max(tp + fn, 1)) / max(se, 1e-12))
        rows.append([pi, tp + fn, ratio(tp, tp + fn)])
    s.table(["share positive", "positives", "recall"], rows)
    s.note(
        f"Recall only looks at the positives, so it stays near P(score >= t | positive) = {want:.3f} "
        "whatever their share (noisier when there are few). Precision counts the negatives' false alarms "
        "too, so it falls with the share: `mlterms demo precision` shows that side."
    )
    r.check(
        "recall == P(N(mu, 1) >= t) at every share of positives (within 4.5 SE + 1 / P)",
        worst <= 4.5,
        f"largest excess gap {worst:.2f} SE",
        kind="reference",
    )
