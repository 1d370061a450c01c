"""Underfitting: too little capacity, or too little training, and the training loss itself stays high."""

from __future__ import annotations

from mlterms.demos.hand.fitting import fit_polynomial, gd_steps, legendre_features, mse_of, noisy_sample
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

ENOUGH = 5  # a degree that captures sin(pi x) on [-1, 1] to well below the noise
NOISE = 0.2
CHECKPOINTS = (1, 2, 3, 5, 10, 30, 100, 1000)


@demo(
    summary="Underfitting: the model is too simple or trained too little to capture the pattern, so "
    "it is bad on the training data and on new data alike; the sign is a training loss that stays high.",
    params=[
        Param("degree", "int", 1, "the polynomial degree of the small model", min=0, max=4),
        Param("steps", "int", 3, "gradient-descent steps for the degree-5 model", min=1, max=300),
        Param("n", "int", 30, "training points", min=16, max=200),
    ],
)
def run(r: Report, *, degree: int, steps: int, n: int) -> None:
    import torch

    train, held_out = noisy_sample(n, NOISE), noisy_sample(2000, NOISE)
    capacity(r, train, held_out, degree)
    too_few_steps(r, train, held_out, steps)
    targets = torch.randn(5, dtype=torch.float64).mul(2).round(decimals=1)  # (5,)
    r.exercise(
        "best-constant",
        "A degree-0 model predicts one constant. Which constant has the least MSE on these targets?",
        targets.mean(),
        given={"targets": targets},
        tolerance=1e-3,
    )


def capacity(r: Report, train, held_out, degree: int) -> None:
    import torch

    s = r.section("too little capacity: the training loss itself stays high")
    x, y = train
    s.tensor("training x", x)
    s.tensor("training y", y)
    rows = []
    for d in sorted({0, 1, degree, ENOUGH}):
        w = fit_polynomial(x, y, d)
        rows.append([d, d + 1, mse_of(w, *train), mse_of(w, *held_out)])
    s.table(["degree", "coefficients", "train MSE", "held-out MSE"], rows, title=f"{len(x)} training points")
    s.note(
        f"y = sin(pi x) + noise (sd {NOISE}, so the best possible MSE is {NOISE**2:.2f}). A line cannot "
        "bend: its training MSE is far above the noise, and the held-out MSE is about as bad, so the "
        "gap is small. That is underfitting, not overfitting. More capacity lowers both."
    )
    w0, w1 = fit_polynomial(x, y, 0), fit_polynomial(x, y, 1)
    r.check_close("degree 0 by normal equations == mean(y)", w0[0], y.mean(), atol=1e-12)
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    line = torch.stack([y.mean() - slope * x.mean(), slope])  # P0 = 1 and P1 = x: intercept, slope
    r.check_close("degree 1 == the closed-form line (slope cov(x,y) / var(x))", w1, line, atol=1e-10)
    small, big = next(row for row in rows if row[0] == degree), rows[-1]
    r.effect(
        f"degree {degree}: training MSE > 2x the noise floor {NOISE**2:.2f}",
        small[2] > 2 * NOISE**2,
        f"{small[2]:.3f}",
        asserted=r.at_defaults or (degree <= 2 and len(x) >= 20),
    )
    r.effect(
        f"degree {ENOUGH} lowers both the training and the held-out MSE",
        big[2] < small[2] / 2 and big[3] < small[3] / 2,
        f"train {big[2]:.3f} < {small[2]:.3f}, held-out {big[3]:.3f} < {small[3]:.3f}",
        asserted=r.at_defaults or (degree <= 2 and len(x) >= 20),
    )


def too_few_steps(r: Report, train, held_out, steps: int) -> None:
    import numpy as np
    import torch
    from torch.optim.sgd import sgd

    s = r.section(f"too little training: a degree-{ENOUGH} model after few gradient steps")
    X, y = legendre_features(train[0], ENOUGH), train[1]  # (n, 6), (n,)
    lr = 1 / float(torch.linalg.eigvalsh(2 * X.T @ X / len(y)).max())  # 1 / the curvature's top eigenvalue
    s.scalar("learning rate", lr)
    path = gd_steps(X, y, lr, max(CHECKPOINTS[-1], steps))
    marks = sorted({*CHECKPOINTS, steps})
    mses = [(mse_of(path[t - 1], *train), mse_of(path[t - 1], *held_out)) for t in marks]  # (train, held-out)
    w_star = fit_polynomial(train[0], train[1], ENOUGH)
    done = (mse_of(w_star, *train), mse_of(w_star, *held_out))  # the least-squares fit's
    rows: list[list[object]] = [[t, *m] for t, m in zip(marks, mses, strict=True)]
    rows.append(["least squares", *done])
    s.table(["steps", "train MSE", "held-out MSE"], rows, title=f"gradient descent from w = 0, lr {lr:.3f}")
    s.plot(
        "log10 MSE by log10 step",
        np.log10(marks),
        log10_train=np.log10([m[0] for m in mses]),
        log10_held_out=np.log10([m[1] for m in mses]),
    )
    s.note(
        "Early on both losses are high together: the model has the capacity but has not used it yet. "
        "Training longer lowers both. (Stopping early on purpose is a regularizer: `mlterms demo "
        "regularization`.)"
    )
    w = torch.zeros(ENOUGH + 1, dtype=torch.float64, requires_grad=True)
    for _ in range(steps):  # the same descent, with autograd and torch's functional SGD update
        (grad,) = torch.autograd.grad(((X @ w - y) ** 2).mean(), w)
        with torch.no_grad():
            sgd(
                [w],
                [grad],
                [None],
                weight_decay=0.0,
                momentum=0.0,
                lr=lr,
                dampening=0.0,
                nesterov=False,
                maximize=False,
            )
    r.check_close(
        f"hand GD after {steps} steps == torch.optim.sgd.sgd", path[steps - 1], w.detach(), atol=1e-10
    )
    r.check_close(
        f"GD after {CHECKPOINTS[-1]} steps == least squares (normal equations)",
        path[CHECKPOINTS[-1] - 1],
        w_star,
        atol=1e-6,
    )
    early = mses[marks.index(steps)]
    r.effect(
        f"after {steps} steps the training MSE is > 1.5x the least-squares one, and held-out too",
        early[0] > 1.5 * done[0] and early[1] > 1.5 * done[1],
        f"train {early[0]:.3f} vs {done[0]:.3f}, held-out {early[1]:.3f} vs {done[1]:.3f}",
        asserted=r.at_defaults or steps <= 3,
    )
