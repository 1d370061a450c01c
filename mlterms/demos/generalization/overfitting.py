"""Overfitting: a polynomial with too many coefficients for the data fits the noise."""

from __future__ import annotations

from mlterms.demos.hand.fitting import degree_sweep, fit_polynomial, legendre_features, mse_of, noisy_sample
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HELD_OUT = 2000  # fresh points from the same distribution: "new data"


@demo(
    summary="Overfitting: the model fits the training set too closely, noise included, and does worse "
    "on new data; the sign is a training loss that keeps falling while the held-out loss rises.",
    params=[
        Param("n", "int", 15, "training points", min=8, max=60),
        Param("degree", "int", 14, "the highest polynomial degree tried (at most n - 1)", min=2, max=14),
        Param("noise", "float", 0.2, "standard deviation of the noise on y", min=0.0, max=1.0),
    ],
)
def run(r: Report, *, n: int, degree: int, noise: float) -> None:
    top = min(degree, n - 1)  # n points determine a polynomial of degree n - 1: no more coefficients
    train = noisy_sample(n, noise)
    held_out = noisy_sample(HELD_OUT, noise)
    u_curve(r, train, held_out, top, noise)
    more_data(r, train, held_out, top, noise)
    r.exercise(
        "interpolating-degree",
        "With n training points at distinct x, what is the lowest polynomial degree that can pass "
        "through every one of them (training MSE exactly 0)?",
        n - 1,
        given={"n": n},
    )
    r.exercise(
        "noise-floor",
        "y = f(x) + noise * N(0, 1). Even the true f scores what expected MSE on new points?",
        noise**2,
        given={"noise": noise},
        tolerance=1e-3,
    )


def u_curve(r: Report, train, held_out, top: int, noise: float) -> None:
    import numpy as np
    import torch

    s = r.section(f"train vs held-out loss across capacity ({len(train[0])} training points)")
    s.note(
        "y = sin(pi x) + noise, x spread over [-1, 1]. Each row fits the least-squares polynomial of "
        f"that degree (Legendre basis, normal equations) and scores it on {HELD_OUT} new points."
    )
    s.tensor("training x", train[0])
    s.tensor("training y", train[1])
    rows = degree_sweep(train, held_out, range(top + 1))
    tr, ho = np.array(rows).T  # (top + 1,) each
    best = int(ho.argmin())
    s.table(
        ["degree", "train MSE", "held-out MSE", "gap", "verdict"],
        [[d, tr[d], ho[d], ho[d] - tr[d], verdict(d, best, ho)] for d in range(top + 1)],
    )
    s.plot(
        "log10 MSE by degree (train floored at 1e-4): train keeps falling, held-out turns up",
        list(range(top + 1)),
        log10_train=np.log10(np.maximum(tr, 1e-4)),
        log10_held_out=np.log10(ho),
    )
    s.note(
        "Low degree: both losses high (underfitting, see `mlterms demo underfitting`). High degree: "
        "the training loss is near 0 but the held-out loss explodes: the coefficients fit the noise. "
        f"The noise floor is noise^2 = {noise**2:.3f}: no model does better than that on new data."
    )
    X = legendre_features(train[0], top)  # (n, top + 1)
    r.check_close(
        "Legendre features by recurrence == numpy.polynomial.legendre.legvander",
        X,
        torch.from_numpy(np.polynomial.legendre.legvander(train[0].numpy(), top)),
        atol=1e-9,
    )
    w = fit_polynomial(train[0], train[1], top)
    ref = torch.linalg.lstsq(X, train[1].unsqueeze(1), driver="gelsd").solution.squeeze(1)
    scale = max(1.0, float(ref.abs().max()))
    r.check_close(
        f"degree {top}: normal equations (relative) == torch.linalg.lstsq", w / scale, ref / scale, atol=1e-5
    )
    rises = [d for d in range(top) if tr[d + 1] > tr[d] * (1 + 1e-9) + 1e-12]
    r.check(
        "training MSE never rises with degree (each model contains the one before)",
        not rises,
        f"rises at degrees {rises}" if rises else f"{tr[0]:.3f} down to {tr[-1]:.2e}",
        kind="property",
    )
    r.effect(
        f"degree {top} overfits: held-out MSE > 3x the best degree's ({best})",
        ho[top] > 3 * ho[best],
        f"{ho[top]:.3g} vs {ho[best]:.3f}",
    )
    gap_top, gap_best = ho[top] - tr[top], ho[best] - tr[best]
    r.effect(
        "the train/held-out gap grows with capacity: gap at the top degree > 5x the gap at the best",
        gap_top > 5 * gap_best,
        f"{gap_top:.3g} vs {gap_best:.3f}",
    )


def verdict(d: int, best: int, held_out) -> str:
    """A label for one row of the U-curve, from the held-out losses alone."""
    if d == best:
        return "best held-out"
    if d < best and held_out[d] > 1.2 * held_out[best]:
        return "underfitting"
    if d > best and held_out[d] > 2 * held_out[best]:
        return "overfitting"
    return ""


def more_data(r: Report, train, held_out, top: int, noise: float) -> None:
    n = len(train[0])
    s = r.section(f"more data shrinks the gap (degree {top})")
    rows = []
    for size in (n, 3 * n, 10 * n):
        data = train if size == n else noisy_sample(size, noise)
        w = fit_polynomial(data[0], data[1], top)
        rows.append([size, mse_of(w, *data), mse_of(w, *held_out)])
    s.table(
        ["training points", "train MSE", "held-out MSE", "gap"], [[*row, row[2] - row[1]] for row in rows]
    )
    s.note(
        f"The same degree-{top} family: with ten times the points, the noise averages out and the "
        "fit can no longer chase it. Other fixes: a smaller model, regularization, early stopping "
        "(`mlterms demo regularization`)."
    )
    gaps = [row[2] - row[1] for row in rows]
    r.effect(
        f"{10 * n} points: gap < 1/5 of the gap at {n}",
        gaps[2] < gaps[0] / 5,
        f"{gaps[2]:.3g} vs {gaps[0]:.3g}",
    )
