"""Generalization: the error on new data, estimated on held-out points, and how it improves with N."""

from __future__ import annotations

from mlterms.demos.hand.fitting import (
    fit_polynomial,
    legendre_features,
    mse_of,
    noisy_sample,
    normal_equations,
    true_curve,
)
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

NOISE = 0.2
REPEATS = 20  # training sets drawn per size, to average the gap


@demo(
    summary="Generalization is how well a model does on new data it never saw in training; it is "
    "measured on a held-out (validation or test) set, and a big train/held-out gap means poor "
    "generalization. More data helps.",
    params=[
        Param("n", "int", 20, "training points", min=12, max=200),
        Param("degree", "int", 5, "polynomial degree", min=1, max=8),
    ],
)
def run(r: Report, *, n: int, degree: int) -> None:
    train = noisy_sample(n, NOISE)
    estimate(r, train, degree)
    gap_with_n(r, n, degree)


def true_risk(w, nodes, weights) -> float:
    """E[(f_hat(x) - y)^2] for a new point, x ~ Uniform(-1, 1): (1/2) integral (f_hat - f)^2 dx + noise^2,
    the integral by Gauss-Legendre quadrature."""
    import torch

    x = torch.from_numpy(nodes)  # (Q,)
    err = legendre_features(x, len(w) - 1) @ w - true_curve(x)  # (Q,)
    return 0.5 * float((torch.from_numpy(weights) * err**2).sum()) + NOISE**2


def estimate(r: Report, train, degree: int) -> None:
    import numpy as np
    import torch

    n = len(train[0])
    s = r.section("the held-out loss estimates the error on new data")
    nodes, weights = np.polynomial.legendre.leggauss(64)  # exact for polynomials up to degree 127
    w = fit_polynomial(train[0], train[1], degree)
    risk = true_risk(w, nodes, weights)
    s.note(
        f"A degree-{degree} fit on {n} points. Its error on new data, the expected squared error over "
        f"the whole distribution, is known here in closed form: (1/2) integral (f_hat - sin(pi x))^2 dx "
        f"+ noise^2, by quadrature. In practice it is unknown, and a held-out set estimates it."
    )
    s.scalar("error on new data (quadrature)", risk)
    s.scalar("training MSE", mse_of(w, *train))
    rows = []
    for m in (20, 200, 2000):
        x, y = noisy_sample(m, NOISE)
        sq = (legendre_features(x, degree) @ w - y) ** 2  # (m,)
        se = float(sq.std() / m**0.5)
        z = (float(sq.mean()) - risk) / se  # after the loop: the one of the 2000 held-out points
        rows.append([m, sq.mean(), se, z])
    s.table(["held-out points", "held-out MSE", "standard error", "(MSE - true) / SE"], rows)
    s.note("The estimate is itself noisy: its standard error shrinks as 1/sqrt(held-out points).")
    # The fitted polynomial's own mean square, two ways: quadrature, and Legendre orthogonality
    # (the mean of P_k^2 over Uniform(-1, 1) is 1 / (2k + 1), and P_j, P_k are orthogonal).
    poly = legendre_features(torch.from_numpy(nodes), degree) @ w  # (Q,)
    by_quadrature = 0.5 * float((torch.from_numpy(weights) * poly**2).sum())
    k = torch.arange(degree + 1, dtype=torch.float64)
    r.check_close(
        "mean of f_hat^2: quadrature == sum c_k^2 / (2k + 1) (orthogonality)",
        by_quadrature,
        float((w**2 / (2 * k + 1)).sum()),
        atol=1e-9,
    )
    r.check(
        "2000 held-out points: estimate within 4 standard errors of the true error",
        abs(z) < 4,
        f"z = {z:.2f}",
        kind="property",
    )
    train_mse = mse_of(w, *train)
    r.effect(
        "the training MSE underestimates the error on new data",
        train_mse < risk,
        f"{train_mse:.4f} < {risk:.4f}",
        asserted=r.at_defaults or n <= 40,
    )
    r.exercise(
        "standard-error",
        "Squared errors on m held-out points have standard deviation sd. What is the standard error "
        "of their mean (the held-out MSE)?",
        0.05 / 400**0.5,
        given={"m": 400, "sd": 0.05},
        tolerance=1e-5,
    )


def gap_with_n(r: Report, n: int, degree: int) -> None:
    import numpy as np
    import torch

    s = r.section(f"the gap shrinks as N grows (degree {degree}, mean of {REPEATS} training sets)")
    nodes, weights = np.polynomial.legendre.leggauss(64)
    p = degree + 1
    q = torch.from_numpy(nodes)  # (Q,)
    Q, f_q, w_q = legendre_features(q, degree), true_curve(q), torch.from_numpy(weights)  # (Q, p), (Q,), (Q,)
    rows = []
    for size in (n, 2 * n, 4 * n, 8 * n, 16 * n):
        train_mse, risk = [], []
        for _ in range(REPEATS):
            x, y = noisy_sample(size, NOISE)
            X = legendre_features(x, degree)  # (N, p)
            w = normal_equations(X, y)
            train_mse.append(float(((X @ w - y) ** 2).mean()))
            risk.append(0.5 * float((w_q * (Q @ w - f_q) ** 2).sum()) + NOISE**2)  # as true_risk
        tr, rk = float(np.mean(train_mse)), float(np.mean(risk))
        rows.append([size, tr, rk, rk - tr, 2 * NOISE**2 * p / size])
    s.table(["training points", "train MSE", "error on new data", "gap", "2 noise^2 p / N"], rows)
    s.plot(
        "log10 gap by log10 N",
        np.log10([row[0] for row in rows]),
        log10_gap=np.log10([max(row[3], 1e-9) for row in rows]),
        log10_2_noise2_p_over_N=np.log10([row[4] for row in rows]),
    )
    s.note(
        f"For least squares with p = {p} coefficients and noise sd {NOISE}, the gap is about "
        "2 noise^2 p / N once N is well above p: fitting p numbers to N noisy points absorbs about p "
        "of the noise on training data, and pays it again on new data."
    )
    gaps = [row[3] for row in rows]
    r.effect(
        f"{16 * n} points: mean gap < 1/4 of the gap at {n}",
        gaps[-1] < gaps[0] / 4,
        f"{gaps[-1]:.4f} vs {gaps[0]:.4f}",
    )
    r.exercise(
        "gap-estimate",
        "Least squares with p coefficients on N points with noise sd sigma: about how big is the "
        "train/new-data gap (2 sigma^2 p / N)?",
        2 * 0.5**2 * 10 / 100,
        given={"p": 10, "N": 100, "sigma": 0.5},
        tolerance=1e-3,
    )
