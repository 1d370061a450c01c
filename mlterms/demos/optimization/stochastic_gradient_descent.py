"""Stochastic gradient descent: the minibatch gradient is unbiased, its variance falls like 1/B, and it is cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

N, D, DRAWS = 256, 5, 4000  # training points, features, minibatches drawn to measure the noise


def per_example_grads(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The gradient of (x_i . w - y_i)^2 for each example, by hand: 2 x_i (x_i . w - y_i), shape (N, D).

    The mean over any set of examples is the gradient of their mean squared error."""
    return 2 * x * (x @ w - y)[:, None]


def variance_formula(spread: float, n: int, b: int) -> float:
    """E|g_B - g|^2 for a batch of b drawn without replacement from n, where spread = mean_i |g_i - g|^2:
    spread / b * (n - b) / (n - 1). The factor (n - b) / (n - 1) is 0 for the full batch."""
    return spread / b * (n - b) / (n - 1)


@demo(
    summary="Stochastic gradient descent steps on the gradient of one random batch instead of the whole "
    "dataset: an unbiased but noisy estimate, whose variance falls like 1/batch size, and far cheaper per step.",
    params=[
        Param("batch", "int", 16, "batch size B", min=1, max=N),
        Param("epochs", "int", 3, "passes over the data (the compute budget)", min=1, max=10),
    ],
)
def run(r: Report, *, batch: int, epochs: int) -> None:
    import torch

    dt = torch.float64
    w_true = torch.randn(D, dtype=dt)  # (D,)
    x = torch.randn(2 * N, D, dtype=dt)  # (2N, D): half to train on, half held out
    y = x @ w_true + 0.5 * torch.randn(2 * N, dtype=dt)  # (2N,)
    x_train, y_train, x_test, y_test = x[:N], y[:N], x[N:], y[N:]
    w = torch.zeros(D, dtype=dt)  # where we look at the gradient: the usual start
    noise(r, w, x_train, y_train, batch)
    budget(r, x_train, y_train, x_test, y_test, batch, epochs)


def noise(r: Report, w, x, y, batch: int) -> None:
    import torch

    s = r.section(f"the minibatch gradient: {DRAWS} random batches of B = {batch} from N = {N}")
    grads = per_example_grads(w, x, y)  # (N, D)
    full = grads.mean(dim=0)  # (D,) the full-batch gradient
    leaf = w.clone().requires_grad_()
    ((x @ leaf - y) ** 2).mean().backward()
    r.check_close(
        "full gradient by hand (mean of 2 x_i (x_i.w - y_i)) == autograd", full, leaf.grad, atol=1e-12
    )
    sizes = sorted({1, 4, 16, 64, batch})
    # (DRAWS, max B): the positions of the smallest uniforms, a random subset; any prefix is a batch too
    perms = torch.rand(DRAWS, N).topk(sizes[-1], dim=1, largest=False).indices
    g_b = grads[perms[:, :batch]].mean(dim=1)  # (DRAWS, D) one minibatch gradient per row
    mean = g_b.mean(dim=0)  # (D,)
    se = g_b.std(dim=0) / DRAWS**0.5  # (D,) standard error of that mean
    s.table(
        ["", *[f"w{i + 1}" for i in range(D)]],
        [["full-batch gradient", *full], ["one minibatch gradient", *g_b[0]], [f"mean of {DRAWS}", *mean],
         ["standard error", *se]],
    )  # fmt: skip
    gap = float(((mean - full).abs() / se.clamp(min=1e-12)).max()) if batch < N else 0.0
    r.check(
        "unbiased: the mean minibatch gradient is the full gradient (within 5 standard errors)",
        gap <= 5 or float((mean - full).abs().max()) < 1e-12,
        f"max |mean - full| = {gap:.2f} standard errors",
        kind="property",
    )
    spread = float(((grads - full) ** 2).sum(dim=1).mean())  # mean_i |g_i - g|^2
    rows = []
    for b in sizes:
        draws = grads[perms[:, :b]].mean(dim=1)  # (DRAWS, D)
        measured = float(((draws - full) ** 2).sum(dim=1).mean())
        rows.append([b, measured, variance_formula(spread, N, b), b * measured])
        if b == batch:
            want = variance_formula(spread, N, b)
            r.check(
                f"variance at B = {b} == spread / B * (N - B) / (N - 1) (within 15%)",
                abs(measured - want) <= 0.15 * want + 1e-12,
                f"{measured:.4g} vs {want:.4g}",
                kind="reference",
            )
    s.table(["B", "E|g_B - g|^2 measured", "formula", "B x measured"], rows, title="the noise falls like 1/B")
    s.note(
        "B x variance stays nearly constant: four times the batch halves the noise's standard deviation. "
        "The factor (N - B) / (N - 1) is because a batch is drawn without replacement (0 at B = N)."
    )
    r.exercise(
        "variance-at-batch",
        "With one example per step the gradient variance is V1; what is it for a batch of B drawn without "
        "replacement from N?",
        variance_formula(spread, N, batch),
        given={"V1": spread, "N": N, "B": batch},
        tolerance=1e-3 * variance_formula(spread, N, batch) + 1e-9,
    )


def train(x, y, lr: float, batch: int, epochs: int):
    """Minibatch SGD on the mean squared error, shuffling each epoch; batch = N is full-batch GD.

    Returns the weights and the number of steps taken."""
    import torch

    w = torch.zeros(x.shape[1], dtype=x.dtype)
    steps = 0
    for _ in range(epochs):
        for idx in torch.randperm(len(y)).split(batch):
            w = w - lr * per_example_grads(w, x[idx], y[idx]).mean(dim=0)
            steps += 1
    return w, steps


def budget(r: Report, x, y, x_test, y_test, batch: int, epochs: int) -> None:
    import torch

    s = r.section(f"the same compute: {epochs} epochs of SGD vs {epochs} epochs of full-batch GD")
    lr = 0.05
    w_sgd, n_sgd = train(x, y, lr, batch, epochs)
    w_gd, n_gd = train(x, y, lr, N, epochs)
    w_ls = torch.linalg.lstsq(x, y[:, None]).solution[:, 0]  # (D,) the exact least-squares fit

    def held_out(w) -> float:
        return float(((x_test @ w - y_test) ** 2).mean())

    s.table(
        ["method", "steps", "examples seen", "held-out MSE"],
        [[f"SGD, B = {batch}", n_sgd, epochs * N, held_out(w_sgd)], ["full-batch GD", n_gd, epochs * N, held_out(w_gd)],
         ["least squares (exact)", "-", "-", held_out(w_ls)]],
        title=f"lr = {lr:g} for both",
    )  # fmt: skip
    s.note(
        "Each epoch costs both methods the same N per-example gradients; SGD turns them into N / B steps instead "
        "of one. (The noise can also help escape poor regions of a non-convex loss; a linear model has none.)"
    )
    r.effect(
        "on held-out data, SGD beats full-batch GD at the same compute",
        held_out(w_sgd) < held_out(w_gd),
        f"{held_out(w_sgd):.4f} < {held_out(w_gd):.4f}",
    )
    r.effect(
        "SGD gets within 10% of the exact least-squares held-out MSE",
        held_out(w_sgd) <= 1.1 * held_out(w_ls),
        f"{held_out(w_sgd):.4f} <= 1.1 x {held_out(w_ls):.4f}",
    )
