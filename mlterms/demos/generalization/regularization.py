"""Regularization, the family: a penalty and early stopping against the same overfitting fit."""

from __future__ import annotations

from mlterms.demos.hand.fitting import gd_steps, legendre_features, noisy_sample, normal_equations
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

NOISE = 0.2
LAMBDAS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
MAX_STEPS = 3000


@demo(
    summary="Regularization is anything that reduces overfitting, usually by limiting how complex the "
    "model can get: a penalty on the weights in the loss (l1, l2), or early stopping, dropout and "
    "data augmentation.",
    params=[
        Param("n", "int", 15, "training points (as many for validation)", min=10, max=40),
        Param("degree", "int", 14, "polynomial degree (at most n - 1)", min=6, max=14),
    ],
)
def run(r: Report, *, n: int, degree: int) -> None:
    import torch

    degree = min(degree, n - 1)
    train, val, test = noisy_sample(n, NOISE), noisy_sample(n, NOISE), noisy_sample(2000, NOISE)
    s = r.section("the data: y = sin(pi x) + noise, x spread over [-1, 1]")
    for name, (x, y) in (("training", train), ("validation", val)):
        s.tensor(f"{name} x", x)
        s.tensor(f"{name} y", y)
    sets = [(legendre_features(x, degree), y) for x, y in (train, val, test)]  # [(N, p), (N,)] each
    compare(r, sets, degree)
    x = torch.randn(4, dtype=torch.float64).round(decimals=1)  # (4,)
    y = (2 * x + torch.randn(4, dtype=torch.float64)).round(decimals=1)  # (4,)
    r.exercise(
        "ridge-one-weight",
        "One weight, no intercept: w minimises mean((w x - y)^2) + lambda w^2. What is w?",
        float((x * y).mean() / ((x * x).mean() + 0.5)),
        given={"x": x, "y": y, "lambda": 0.5},
        tolerance=1e-3,
    )


def mse(X, w, y) -> float:
    return float(((X @ w - y) ** 2).mean())


def compare(r: Report, sets, degree: int) -> None:
    import torch

    (X, y), (Xv, yv), (Xt, yt) = sets
    n = len(y)
    s = r.section(f"one overfitting model, three ways to fit it (degree {degree}, {n} points)")
    w_none = normal_equations(X, y)
    ridge = [(lam, normal_equations(X, y, lam)) for lam in LAMBDAS]
    lam, w_l2 = min(ridge, key=lambda pair: mse(Xv, pair[1], yv))
    lr = 1 / float(torch.linalg.eigvalsh(2 * X.T @ X / n).max())
    path = gd_steps(X, y, lr, MAX_STEPS)
    marks = sorted({round(10 ** (k / 8)) for k in range(29)} & set(range(1, MAX_STEPS + 1)))  # log spaced
    stop = min(marks, key=lambda t: mse(Xv, path[t - 1], yv))
    w_early = path[stop - 1]
    fits = [
        ("none", "least squares", w_none),
        ("L2 penalty", f"lambda {lam:g}", w_l2),
        ("early stopping", f"GD step {stop}", w_early),
    ]
    s.table(
        ["regularizer", "chosen on val", "||w||", "train MSE", "val MSE", "test MSE"],
        [[name, how, w.norm(), mse(X, w, y), mse(Xv, w, yv), mse(Xt, w, yt)] for name, how, w in fits],
        title="test: 2000 fresh points, looked at after every choice",
    )
    s.plot(
        "early stopping: log10 MSE by log10 gradient step",
        [float(torch.log10(torch.tensor(float(t)))) for t in marks],
        log10_train=[torch.log10(torch.tensor(mse(X, path[t - 1], y))) for t in marks],
        log10_validation=[torch.log10(torch.tensor(mse(Xv, path[t - 1], yv))) for t in marks],
    )
    s.note(
        "The penalty changes the loss: mean((Xw - y)^2) + lambda ||w||^2, minimised exactly (normal "
        "equations with lambda I added). Early stopping keeps the loss and stops gradient descent from "
        "w = 0 before it reaches the least-squares fit: the directions it has not learned yet stay "
        "near 0, much as under a penalty. Both limit the weights, and both are tuned on validation data."
    )
    s.note(
        "The family, one demo each: `mlterms demo l2 regularization` (the penalty and its lambda curve), "
        "`l1 regularization` (exact zeros), `weight decay` (the penalty as a step, and under Adam), "
        "`dropout` (noise on the units). Data augmentation and a smaller model limit overfitting too."
    )
    references(r, X, y, lam, w_l2)
    r.check(
        "the L2 pick has a smaller norm than least squares",
        bool(w_l2.norm() < w_none.norm()),
        kind="property",
    )
    test = {name: mse(Xt, w, yt) for name, _, w in fits}
    none_test = test[fits[0][0]]
    for name, _, _ in fits[1:]:
        r.effect(
            f"{name}: test MSE < 1/2 of no regularization's",
            test[name] < none_test / 2,
            f"{test[name]:.3f} vs {none_test:.3g}",
        )


def references(r: Report, X, y, lam: float, w_l2) -> None:
    import torch

    n, p = X.shape
    aug_X = torch.cat([X, (n * lam) ** 0.5 * torch.eye(p, dtype=X.dtype)])  # (n + p, p)
    aug_y = torch.cat([y, torch.zeros(p, dtype=y.dtype)])  # (n + p,)
    ref = torch.linalg.lstsq(aug_X, aug_y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    scale = max(1.0, float(ref.abs().max()))
    r.check_close(
        "L2: normal equations == lstsq on [X; sqrt(N lambda) I], [y; 0] (relative)",
        w_l2 / scale,
        ref / scale,
        atol=1e-6,
    )
    w = torch.randn(p, dtype=X.dtype, requires_grad=True)
    loss = ((X @ w - y) ** 2).mean() + lam * (w**2).sum()
    (grad,) = torch.autograd.grad(loss, w)
    by_hand = 2 * X.T @ (X @ w.detach() - y) / n + 2 * lam * w.detach()  # (p,)
    r.check_close("gradient of the penalised loss: by hand == autograd", by_hand, grad, atol=1e-9)
