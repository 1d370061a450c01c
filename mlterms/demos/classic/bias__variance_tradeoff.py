"""The bias-variance tradeoff: expected test error = bias^2 + variance + noise, over training sets."""

from __future__ import annotations

import math

from mlterms.demos.hand.fitting import fit_polynomial, legendre_features, noisy_samples, true_curve
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SETS = 200  # resampled training sets
TEST = 100  # test inputs, fixed across the training sets


@demo(
    summary="The bias-variance tradeoff: a model's expected error on new data splits into bias^2 (how "
    "far its average fit is from the truth), variance (how much the fit changes with the training "
    "set) and noise; more capacity lowers the first and raises the second.",
    params=[
        Param("n", "int", 20, "points per training set", min=12, max=100),
        Param("noise", "float", 0.3, "standard deviation of the noise on y", min=0.05, max=1.0),
        Param("degree", "int", 10, "the highest polynomial degree tried", min=5, max=10),
    ],
)
def run(r: Report, *, n: int, noise: float, degree: int) -> None:
    import torch

    x_test = torch.linspace(-0.95, 0.95, TEST, dtype=torch.float64)  # (M,)
    x, y = noisy_samples(SETS, n, noise)  # (R, n) each
    eps = torch.randn(SETS, TEST, dtype=torch.float64)  # (R, M) the noise of fresh test labels
    rows = [decompose(x, y, x_test, d, noise, eps) for d in range(degree + 1)]
    show(r, rows, n, noise)
    references(r, x, y, x_test, rows, degree)
    effects(r, rows)
    b2, var = torch.rand(2, dtype=torch.float64).mul(0.5).round(decimals=2)
    r.exercise(
        "expected-error",
        "A model has bias^2 and variance as given, on data with this noise sd. What is its expected "
        "squared error on new points?",
        b2 + var + noise**2,
        given={"bias^2": b2, "variance": var, "noise sd": noise},
        tolerance=1e-3,
    )


def batched_fit(x, y, degree: int, x_test):
    """Least squares of every training set at once; predictions at x_test. (R, M)"""
    import torch

    X = legendre_features(x.reshape(-1), degree).reshape(*x.shape, degree + 1)  # (R, n, d+1)
    w = torch.linalg.solve(X.mT @ X, (X.mT @ y.unsqueeze(-1))).squeeze(-1)  # (R, d+1)
    return w @ legendre_features(x_test, degree).T  # (R, M)


def decompose(x, y, x_test, degree: int, noise: float, eps) -> dict:
    """bias^2, variance and the measured test error of the degree-`degree` fits, averaged over x_test."""

    pred = batched_fit(x, y, degree, x_test)  # (R, M)
    f = true_curve(x_test)  # (M,)
    mean_fit = pred.mean(0)  # (M,) the average model over training sets
    bias2 = float(((mean_fit - f) ** 2).mean())
    variance = float(pred.var(0, correction=0).mean())
    y_new = f + noise * eps  # (R, M) a fresh noisy label for every fit and x
    err = (pred - y_new) ** 2  # (R, M)
    # measured - (bias^2 + variance + noise^2) is the mean of 2 (pred - f) eps + (eps^2 - noise^2):
    # zero in expectation, with this standard error
    fluct = err - (pred - f) ** 2
    se = float(fluct.std() / math.sqrt(fluct.numel()))
    measured = float(err.mean())
    return {
        "degree": degree,
        "bias2": bias2,
        "variance": variance,
        "noise2": noise**2,
        "measured": measured,
        "se": se,
        "pred": pred,
    }


def show(r: Report, rows, n: int, noise: float) -> None:
    s = r.section(f"{SETS} training sets of {n} points: the error split three ways")
    s.note(
        "y = sin(pi x) + noise. For each degree, fit the least-squares polynomial on each of the "
        f"{SETS} training sets, then at {TEST} test inputs: bias^2 = (average fit - truth)^2, "
        "variance = the spread of the fits around their average, noise = noise^2. The measured "
        "column scores every fit against fresh noisy labels."
    )
    s.table(
        ["degree", "bias^2", "variance", "noise", "sum", "measured test error"],
        [
            [
                w["degree"],
                w["bias2"],
                w["variance"],
                noise**2,
                w["bias2"] + w["variance"] + noise**2,
                w["measured"],
            ]
            for w in rows
        ],
    )
    s.plot(
        "log10 of each term by degree: bias^2 falls, variance rises",
        [w["degree"] for w in rows],
        log10_bias2=[math.log10(max(w["bias2"], 1e-6)) for w in rows],
        log10_variance=[math.log10(max(w["variance"], 1e-6)) for w in rows],
        log10_total=[math.log10(w["measured"]) for w in rows],
    )
    best = min(rows, key=lambda w: w["measured"])["degree"]
    s.note(
        f"Low degree: the average fit itself misses sin(pi x) (high bias, underfitting). High degree: "
        f"the average fit is right but each fit chases its own noise (high variance, overfitting). "
        f"The sum is lowest in between, here at degree {best}. More data lowers the variance."
    )


def references(r: Report, x, y, x_test, rows, degree: int) -> None:
    import torch

    one = fit_polynomial(x[0], y[0], degree) @ legendre_features(x_test, degree).T  # (M,)
    r.check_close(
        f"batched solve == the shared fit_polynomial (set 0, degree {degree})", rows[-1]["pred"][0], one, 1e-8
    )
    X = legendre_features(x[1], 3)
    w = torch.linalg.lstsq(X, y[1].unsqueeze(1), driver="gelsd").solution.squeeze(1)
    r.check_close(
        "batched solve == torch.linalg.lstsq (set 1, degree 3)",
        rows[3]["pred"][1],
        w @ legendre_features(x_test, 3).T,
        1e-9,
    )
    off = [(w["degree"], (w["measured"] - w["bias2"] - w["variance"] - w["noise2"]) / w["se"]) for w in rows]
    bad = [d for d, z in off if abs(z) > 4.5]
    r.check(
        "bias^2 + variance + noise^2 == measured test error (within 4.5 standard errors, every degree)",
        not bad,
        f"largest |z| {max(abs(z) for _, z in off):.2f}" + (f" at degrees {bad}" if bad else ""),
        kind="reference",
    )


def effects(r: Report, rows) -> None:
    best = min(rows, key=lambda w: w["measured"])["degree"]
    top = rows[-1]
    r.effect(
        "degree 1 has high bias: bias^2 > 10x degree 5's",
        rows[1]["bias2"] > 10 * rows[5]["bias2"],
        f"{rows[1]['bias2']:.4f} vs {rows[5]['bias2']:.5f}",
    )
    r.effect(
        f"degree {top['degree']} has high variance: > 3x degree 4's",
        top["variance"] > 3 * rows[4]["variance"],
        f"{top['variance']:.4f} vs {rows[4]['variance']:.4f}",
    )
    r.effect(
        "the lowest expected test error is at a middle degree (not 0, 1 or the top)",
        1 < best < top["degree"],
        f"degree {best}",
    )
