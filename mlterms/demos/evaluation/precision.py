"""Precision: of the examples called positive, the share that are; it rises with the threshold and
falls with the base rate of positives."""

from __future__ import annotations

import math

from mlterms.demos.hand.metrics import binary_counts, gaussian_scores, normal_tail, ratio
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

THRESHOLDS = (-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
RATES = (0.5, 0.2, 0.05, 0.01)  # prevalences of the positive class


@demo(
    summary="Precision is TP / (TP + FP): of the examples the model calls positive, the share that "
    "really are. A higher threshold usually buys precision with recall, and the same classifier is "
    "less precise where positives are rare.",
    params=[
        Param(
            "mu",
            "float",
            2.0,
            "mean score of the positives (the negatives' is 0, both std 1)",
            min=0.5,
            max=4.0,
        ),
        Param("n", "int", 4000, "test examples", min=1000, max=20000),
    ],  # fmt: skip
)
def run(r: Report, *, mu: float, n: int) -> None:
    threshold_sweep(r, mu, n)
    base_rate(r, mu, n)
    tpr, fpr, pi = normal_tail(1.0 - mu), normal_tail(1.0), 0.1
    r.exercise(
        "precision-from-rates",
        "A test finds a share TPR of the positives and flags a share FPR of the negatives; positives "
        "are a share pi of the population. What is its precision?",
        pi * tpr / (pi * tpr + (1 - pi) * fpr),
        given={"TPR": round(tpr, 4), "FPR": round(fpr, 4), "pi": pi},
        tolerance=2e-3,
    )


def threshold_sweep(r: Report, mu: float, n: int) -> None:
    import torch

    s = r.section(f"score >= t is called positive: precision over t ({n} examples, half positive)")
    scores, y = gaussian_scores(n, mu, 0.5)
    s.note(
        f"Scores of positives ~ N({mu:g}, 1), of negatives ~ N(0, 1): a model's scores before a threshold."
    )
    rows, precisions, direct = [], [], []
    for t in THRESHOLDS:
        tp, fp, fn, _ = binary_counts(y, scores >= t)
        precisions.append(ratio(tp, tp + fp))
        chosen = y[scores >= t]  # the labels of the examples called positive
        direct.append(float(chosen.double().mean()) if len(chosen) else 0.0)
        rows.append([t, tp, fp, precisions[-1], ratio(tp, tp + fn)])
    s.table(["threshold t", "TP", "FP", "precision TP / (TP + FP)", "recall TP / (TP + FN)"], rows)
    s.note(
        "Raising t drops negatives faster than positives (their scores sit lower), so precision climbs "
        "while recall, the share of positives still found, only falls: `mlterms demo recall`. At a very "
        "high t few examples are called and the precision gets noisy. F1 weighs the two: `mlterms demo f1 score`."
    )
    r.check_close(
        "precision from the confusion counts == mean label of the examples called positive",
        torch.tensor(precisions),
        torch.tensor(direct),
        atol=1e-12,
    )
    lo, hi = THRESHOLDS.index(0.0), THRESHOLDS.index(2.0)
    r.effect(
        "raising the threshold from 0 to 2 raises precision and lowers recall",
        precisions[hi] > precisions[lo] and rows[hi][4] < rows[lo][4],
        f"precision {precisions[lo]:.3f} -> {precisions[hi]:.3f}, recall {rows[lo][4]:.3f} -> {rows[hi][4]:.3f}",
    )


def base_rate(r: Report, mu: float, n: int) -> None:
    s = r.section("the same classifier (t = 1) where positives are rarer")
    tpr, fpr = normal_tail(1.0 - mu), normal_tail(1.0)  # its true and false positive rates
    rows, worst = [], 0.0
    for pi in RATES:
        scores, y = gaussian_scores(n, mu, pi)
        tp, fp, fn, _ = binary_counts(y, scores >= 1.0)
        bayes = pi * tpr / (pi * tpr + (1 - pi) * fpr)
        precision = ratio(tp, tp + fp)
        se = math.sqrt(bayes * (1 - bayes) / max(tp + fp, 1))  # of a share of tp + fp called
        # one example (1 / called) of slack on top: with few called the normal SE is too tight
        worst = max(worst, (abs(precision - bayes) - 1 / max(tp + fp, 1)) / max(se, 1e-12))
        rows.append([pi, tp + fn, ratio(tp, tp + fn), precision, bayes])
    s.table(
        ["share positive", "positives", "recall", "precision", "Bayes: pi TPR / (pi TPR + (1 - pi) FPR)"],
        rows,
    )
    s.note(
        f"TPR = P(score >= 1 | positive) = {tpr:.3f} and FPR = P(score >= 1 | negative) = {fpr:.3f} do not "
        "change, but with few positives the false positives from the many negatives outnumber the true "
        "ones. A precision number means little without the base rate it was measured at."
    )
    r.check(
        "precision == Bayes' rule from TPR, FPR and the share positive (within 4.5 SE + 1 / called)",
        worst <= 4.5,
        f"largest excess gap {worst:.2f} SE",
        kind="reference",
    )
    r.effect(
        "the same threshold is far less precise at 1% positives than at 50% (less than half)",
        rows[-1][3] < 0.5 * rows[0][3],
        f"{rows[-1][3]:.3f} vs {rows[0][3]:.3f}",
    )
