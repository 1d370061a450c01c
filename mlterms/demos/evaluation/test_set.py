"""Test set: examples kept out of every choice and used once, at the end; the best of many models
looks better on the data that chose it than it is."""

from __future__ import annotations

import math
from typing import Any

from mlterms.demos.hand.metrics import blobs, linear_accuracy, logistic_fit, logits_of
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D, SEP, N_TRAIN, REPEATS, TRIALS = 10, 1.0, 60, 50, 400


@demo(
    summary="A test set is held-out data used once, after every choice is made, to estimate how the "
    "final model does on new data; the validation score of the best of many models is optimistic, "
    "and a test set used for choosing becomes optimistic too.",
    params=[
        Param("models", "int", 20, "candidate models compared", min=2, max=50),
        Param("n_val", "int", 100, "validation examples, and as many test examples", min=50, max=400),
    ],
)
def run(r: Report, *, models: int, n_val: int) -> None:
    expected_max(r, models, n_val)
    selection(r, models, n_val)
    r.exercise(
        "best-of-two",
        "Two models each get every one of n = 10 validation examples right with probability 0.7, "
        "independently. What is the expected validation accuracy of the better of the two?",
        binomial_max_mean(10, 0.7, 2),
        given={"n": 10, "p": 0.7, "models": 2},
        tolerance=1e-3,
    )


def binomial_max_mean(n: int, p: float, m: int) -> float:
    """E[max of m independent Binomial(n, p)] / n = sum_k P(max >= k) / n = sum_k (1 - F(k - 1)^m) / n."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    cdf, total = 0.0, 0.0
    for k in range(1, n + 1):
        cdf += pmf[k - 1]
        total += 1 - cdf**m
    return total / n


def expected_max(r: Report, models: int, n_val: int) -> None:
    import torch

    s = r.section(f"{models} equally good models, one validation set of {n_val}")
    p = 0.7
    right = (torch.rand(TRIALS, models, n_val) < p).double().mean(-1)  # (TRIALS, M) validation accuracies
    best = right.max(-1).values  # (TRIALS,)
    exact = binomial_max_mean(n_val, p, models)
    se = float(best.std()) / math.sqrt(TRIALS)
    s.table(["", "validation accuracy"],
            [["each model's true accuracy", p], ["one model, on average", float(right.mean())],
             [f"the best of {models}: exact E[max] from the binomial CDF", exact],
             [f"the best of {models}: mean over {TRIALS} simulated validation sets", float(best.mean())]])  # fmt: skip
    s.note(
        "Every model is right on 70% of new examples, yet the winner's validation score is higher: it is "
        "the one that got lucky on these examples. The more models compared, the bigger the luck."
    )
    r.check("exact E[max of M binomials] == simulation (within 4.5 SE)", abs(float(best.mean()) - exact) <= 4.5 * se,
            f"{float(best.mean()):.4f} vs {exact:.4f}", kind="reference")  # fmt: skip


def selection(r: Report, models: int, n_val: int) -> None:
    import torch

    s = r.section(f"choose among {models} logistic regressions, {REPEATS} fresh datasets")
    n = N_TRAIN + 2 * n_val  # training, validation, test
    data = [blobs(n, D, SEP) for _ in range(REPEATS)]
    X, y = torch.stack([x for x, _ in data]), torch.stack([t for _, t in data])  # (R, n, D), (R, n)
    keep = (torch.rand(models, D) < 0.4).double()  # (M, D): each candidate sees some features
    keep[torch.arange(models), torch.randint(1, D, (models,))] = 1.0  # at least one each
    Xm = X[:, None] * keep[None, :, None, :]  # (R, M, n, D): unused features are zero
    ym = y[:, None].expand(-1, models, -1)
    tr, va, te = slice(0, N_TRAIN), slice(N_TRAIN, N_TRAIN + n_val), slice(N_TRAIN + n_val, n)
    w = logistic_fit(Xm[:, :, tr], ym[:, :, tr], lam=1e-2, steps=6)  # (R, M, D + 1)
    right = ((logits_of(w, Xm) >= 0).long() == ym).double()  # (R, M, n)
    val, test = right[..., va].mean(-1), right[..., te].mean(-1)  # (R, M) each
    true = torch.tensor([[linear_accuracy(w[i, j], SEP) for j in range(models)] for i in range(REPEATS)])
    by_val, by_test = val.argmax(-1), test.argmax(-1)  # (R,) the chosen model
    at = lambda a, idx: float(a.gather(1, idx[:, None]).mean())  # noqa: E731 - mean of a[i, idx[i]]
    rows: list[list[Any]] = [["best on validation", at(val, by_val), at(test, by_val), at(true, by_val)],
            ["best on test (the test set reused to choose)", float("nan"), at(test, by_test), at(true, by_test)]]  # fmt: skip
    s.table(["pick", "validation accuracy", f"test accuracy ({n_val})", "true accuracy (exact)"], rows)
    s.note(
        "The validation set chose, so its score of the winner is optimistic; the untouched test set "
        "scores the winner without bias (noisy, but right on average). Choose with the test set and it "
        "is just another validation set: its score of its own pick is optimistic too. Hence: look at the "
        "test set once, at the end (`mlterms demo validation set`, `mlterms demo cross-validation`)."
    )
    val_gap, test_gap, reused_gap = rows[0][1] - rows[0][3], rows[0][2] - rows[0][3], rows[1][2] - rows[1][3]
    r.effect("the validation score of the pick is optimistic: above its true accuracy by 0.01 or more",
             val_gap > 0.01, f"{rows[0][1]:.3f} vs {rows[0][3]:.3f}", asserted=models >= 10 and n_val <= 200)  # fmt: skip
    r.effect("the untouched test set is unbiased for the pick: within 0.02 of its true accuracy",
             abs(test_gap) < 0.02, f"{rows[0][2]:.3f} vs {rows[0][3]:.3f}")  # fmt: skip
    r.effect("a test set reused to choose is optimistic: above its pick's true accuracy by 0.01 or more",
             reused_gap > 0.01, f"{rows[1][2]:.3f} vs {rows[1][3]:.3f}", asserted=models >= 10 and n_val <= 200)  # fmt: skip
