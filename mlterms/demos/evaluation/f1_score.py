"""F1 score: the harmonic mean of precision and recall, which ignores true negatives and is
dragged down by the weaker of the two."""

from __future__ import annotations

import math

from mlterms.demos.hand.metrics import at_threshold, binary_counts, gaussian_scores, precision_recall_f1
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

MU = 2.0  # mean score of the positives; the negatives' is 0, both std 1


@demo(
    summary="The F1 score is the harmonic mean of precision and recall, 2 P R / (P + R) = 2 TP / "
    "(2 TP + FP + FN): high only when both are, blind to true negatives, and commonly used when "
    "positives are rare.",
    params=[
        Param("share", "float", 0.05, "share of positive examples", min=0.02, max=0.5),
        Param("n", "int", 6000, "examples in each of the validation and test sets", min=1000, max=20000),
    ],
)
def run(r: Report, *, share: float, n: int) -> None:
    scores, y = gaussian_scores(n, MU, share)
    harmonic(r, scores, y)
    no_negatives(r, scores, y)
    tuned(r, scores, y, share, n)
    r.exercise(
        "f1-of-p-and-r",
        "Precision 0.9 and recall 0.3: what is the F1 score (their arithmetic mean is 0.6)?",
        2 * 0.9 * 0.3 / 1.2,
        tolerance=1e-3,
    )


def harmonic(r: Report, scores, y) -> None:
    import torch

    s = r.section(f"F1 = 2 P R / (P + R) over thresholds ({len(y)} examples, {int(y.sum())} positive)")
    rows, from_counts, from_pr, between = [], [], [], True
    for t in (-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        tp, fp, fn, _ = binary_counts(y, scores >= t)
        p, rec, f1 = precision_recall_f1(tp, fp, fn)
        from_counts.append(f1)
        from_pr.append(2 / (1 / p + 1 / rec) if p and rec else 0.0)  # 1 / mean(1/P, 1/R)
        between = between and min(p, rec) - 1e-12 <= f1 <= (p + rec) / 2 + 1e-12
        rows.append([t, p, rec, (p + rec) / 2, f1])
    s.table(["threshold t", "precision P", "recall R", "(P + R) / 2", "F1"], rows)
    s.note(
        "The harmonic mean sits near the smaller of the two: a threshold that buys recall with "
        "precision (or the reverse) is not rewarded. Precision and recall on their own: `mlterms demo "
        "precision`, `mlterms demo recall`."
    )
    r.check_close(
        "F1 from counts 2 TP / (2 TP + FP + FN) == 1 / mean(1 / P, 1 / R)",
        torch.tensor(from_counts),
        torch.tensor(from_pr),
        atol=1e-12,
    )
    r.check("min(P, R) <= F1 <= (P + R) / 2 at every threshold", between, "harmonic <= arithmetic mean",
            kind="property")  # fmt: skip


def no_negatives(r: Report, scores, y) -> None:
    import torch

    s = r.section("F1 never looks at the true negatives")
    easy = torch.full((10 * len(y),), -10.0, dtype=torch.float64)  # ten times as many, all rejected
    more_s, more_y = torch.cat([scores, easy]), torch.cat([y, torch.zeros(len(easy), dtype=torch.long)])
    rows = []
    for name, (sc, lab) in (("the test set", (scores, y)), ("plus 10x easy negatives", (more_s, more_y))):
        tp, fp, fn, tn = binary_counts(lab, sc >= 1.0)
        rows.append([name, tn, (tp + tn) / len(lab), precision_recall_f1(tp, fp, fn)[2]])
    s.table(["at t = 1", "TN", "accuracy", "F1"], rows)
    s.note(
        "Adding negatives that the model rejects raises accuracy and leaves TP, FP and FN, hence F1, as "
        "they were: F1 measures the positive class only. Where negatives matter too, read the whole "
        "confusion matrix."
    )
    r.check_close("F1 unchanged by added true negatives", rows[1][3], rows[0][3], atol=0.0, kind="property")


def tuned(r: Report, scores, y, share: float, n: int) -> None:
    s = r.section("F1 and the threshold: tune it on validation, score it on test")
    grid = [i / 10 for i in range(-10, 41)]
    best = max(grid, key=lambda t: at_threshold(scores, y, t)[2])  # this set is the validation set
    test_s, test_y = gaussian_scores(n, MU, share)
    usual = MU / 2 - math.log(share / (1 - share)) / MU  # where P(positive | score) = 1/2
    everything = at_threshold(test_s, test_y, -math.inf)
    rows = [["P(positive | score) >= 1/2 (the accuracy threshold)", usual, *at_threshold(test_s, test_y, usual)],
            ["best F1 on validation", best, *at_threshold(test_s, test_y, best)],
            ["call everything positive", "-inf", *everything]]  # fmt: skip
    s.table(["threshold", "t", "test precision", "test recall", "test F1"], rows)
    s.note(
        f"With {share:.0%} positives the threshold that maximises accuracy calls few examples positive; "
        "the F1-best threshold is lower and trades precision for recall. Calling everything positive "
        f"has recall 1 and precision {everything[0]:.2f}: the arithmetic mean would give it "
        f"{(1 + everything[0]) / 2:.2f}, F1 gives {everything[2]:.2f}."
    )
    f1_usual, f1_best = at_threshold(test_s, test_y, usual)[2], at_threshold(test_s, test_y, best)[2]
    r.effect(
        "the threshold tuned for F1 on validation beats the accuracy threshold's F1 on the test set",
        f1_best > f1_usual,
        f"{f1_best:.3f} vs {f1_usual:.3f}",
        asserted=share <= 0.1,
    )
