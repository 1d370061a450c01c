"""Accuracy: the fraction of correct predictions, and how noisy it is on a test set of n examples."""

from __future__ import annotations

import math

from mlterms.demos.hand.metrics import blobs, logistic_fit, logits_of
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SETS = 300  # fresh test sets drawn to show the spread of the test accuracy
FRESH = 200_000  # examples for the true accuracy by simulation


@demo(
    summary="Accuracy is the fraction of predictions that are right, (TP + TN) / N for two classes; "
    "measured on a finite test set it is an estimate, with standard error sqrt(p (1 - p) / n).",
    params=[
        Param("n_test", "int", 100, "examples in one test set", min=50, max=2000),
        Param("sep", "float", 2.0, "distance between the two class means", min=0.5, max=4.0),
    ],
)
def run(r: Report, *, n_test: int, sep: float) -> None:
    w = logistic_fit(*blobs(200, 2, sep))
    p = true_accuracy(r, w, sep)
    spread(r, w, sep, n_test, p)
    r.exercise(
        "accuracy-standard-error",
        "A classifier's true accuracy is p; on a test set of n examples, what is the standard error "
        "sqrt(p (1 - p) / n) of its measured accuracy?",
        math.sqrt(p * (1 - p) / n_test),
        given={"p": round(p, 4), "n": n_test},
        tolerance=1e-3,
    )


def normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def true_accuracy(r: Report, w, sep: float) -> float:
    s = r.section("accuracy = mean(prediction == label)")
    X, y = blobs(n := 12, 2, sep)
    pred = (logits_of(w, X) >= 0).long()
    s.note(
        "Two Gaussian classes in 2-D, their means `sep` apart along x0, half the examples in each; a "
        "logistic regression fitted on 200 training examples predicts 1 where its logit is >= 0."
    )
    s.table(["example", "label", "prediction", "right?"],
            [[i, int(y[i]), int(pred[i]), "yes" if y[i] == pred[i] else "no"] for i in range(n)])  # fmt: skip
    s.scalar(f"accuracy on these {n}", float((pred == y).double().mean()))
    s.tensor("weights (w0, w1, b)", w)
    # The logit w . x + b is Gaussian within each class, so P(right) has a closed form.
    norm, w0, b = float(w[:-1].norm()), float(w[0]), float(w[-1])
    closed = 0.5 * normal_cdf((w0 * sep + b) / norm) + 0.5 * normal_cdf(-b / norm)
    Xf, yf = blobs(FRESH, 2, sep)
    simulated = float(((logits_of(w, Xf) >= 0).long() == yf).double().mean())
    s.table(
        ["true accuracy", "value"],
        [["closed form: 0.5 Phi((w0 sep + b) / |w|) + 0.5 Phi(-b / |w|)", closed],
         [f"on {FRESH} fresh examples", simulated]],
    )  # fmt: skip
    se = math.sqrt(closed * (1 - closed) / FRESH)
    r.check(
        f"closed-form accuracy == accuracy on {FRESH} fresh examples (within 4 standard errors)",
        abs(simulated - closed) <= 4 * se + 1e-12,
        f"{simulated:.4f} vs {closed:.4f}, SE {se:.1e}",
        kind="reference",
    )
    return closed


def spread(r: Report, w, sep: float, n_test: int, p: float) -> None:
    import torch

    s = r.section(f"one test set is one draw: {SETS} test sets of {n_test}")
    X, y = blobs(SETS * n_test, 2, sep)
    right = ((logits_of(w, X) >= 0).long() == y).double().reshape(SETS, n_test)  # (SETS, n_test)
    acc = right.mean(1)  # (SETS,) one accuracy per test set
    se = math.sqrt(p * (1 - p) / n_test)
    covered = float(((acc - p).abs() <= 1.96 * torch.sqrt(acc * (1 - acc) / n_test)).double().mean())
    s.table(
        ["statistic", "value"],
        [["true accuracy p", p], ["mean of the test accuracies", float(acc.mean())],
         ["lowest / highest test accuracy", f"{float(acc.min()):.3f} / {float(acc.max()):.3f}"],
         ["std of the test accuracies", float(acc.std())], ["sqrt(p (1 - p) / n)", se],
         ["share of acc +- 1.96 SE intervals holding p", covered]],
    )  # fmt: skip
    s.note(
        f"Each example is right with probability p, so n times the accuracy is Binomial(n, p). With "
        f"n = {n_test} two honest test sets can differ by several points: a 1-point gain between "
        "two models on a small test set may be noise. Quadruple n to halve the error. Accuracy also "
        "hides which mistakes are made (`mlterms demo confusion matrix`) and says little when one class "
        "dominates (`mlterms demo class imbalance`)."
    )
    r.check(
        "std of the test accuracies == sqrt(p (1 - p) / n) (within 20%)",
        abs(float(acc.std()) - se) <= 0.2 * se,
        f"{float(acc.std()):.4f} vs {se:.4f}",
        kind="reference",
    )
    r.check(
        "the test accuracy is unbiased: their mean is within 4 SE / sqrt(sets) of p",
        abs(float(acc.mean()) - p) <= 4 * se / math.sqrt(SETS),
        f"{float(acc.mean()):.4f} vs {p:.4f}",
        kind="property",
    )
