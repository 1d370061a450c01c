"""Gradient accumulation: k micro-batches' gradients summed into one big batch's, and the 1/k bug."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SCALINGS = ("n_i / N", "1 / k", "none (the bug)")


def accumulate(params, loss_fn, X, y, k: int, scaling: str) -> list:
    """Sum the gradients of k micro-batches (torch.tensor_split of the rows), as repeated
    loss.backward() calls without zero_grad() do. Each micro-batch's mean loss is weighted by
    n_i / N (exact), 1 / k (exact only when the sizes are equal), or 1 (the missing-division bug)."""
    import torch

    for p in params:
        p.grad = None
    n = len(y)
    for xb, yb in zip(torch.tensor_split(X, k), torch.tensor_split(y, k), strict=True):
        weight = {"n_i / N": len(yb) / n, "1 / k": 1 / k}.get(scaling, 1.0)
        (loss_fn(xb, yb).mean() * weight).backward()  # .grad += this micro-batch's share
    return [p.grad.clone() for p in params]


def mlp_loss(params):
    """Per-example squared errors (B,) of a 3 -> 8 -> 1 tanh network, as a function of (x, y)."""

    def loss_fn(x, y):
        w1, b1, w2, b2 = params
        return (((x @ w1.T + b1).tanh() @ w2.T + b2).squeeze(1) - y) ** 2

    return loss_fn


@demo(
    summary="Gradient accumulation sums the gradients of k micro-batches before one optimizer step, each "
    "micro-batch's loss scaled by its share of the batch (1/k for equal sizes): the same gradient as one "
    "big batch, with the memory of one micro-batch.",
    params=[
        Param("k", "int", 4, "micro-batches per step", min=1, max=8),
        Param("n", "int", 50, "examples in the big batch", min=8, max=96),
    ],
)
def run(r: Report, *, k: int, n: int) -> None:
    import torch

    dt = torch.float64
    params = [torch.randn(8, 3, dtype=dt) / 3**0.5, torch.zeros(8, dtype=dt), torch.randn(1, 8, dtype=dt) / 8**0.5,
              torch.zeros(1, dtype=dt)]  # fmt: skip
    for p in params:
        p.requires_grad_()
    X = torch.randn(n, 3, dtype=dt)  # (n, 3)
    y = X[:, 0] * X[:, 1] + 0.1 * torch.randn(n, dtype=dt)  # (n,)
    loss_fn = mlp_loss(params)
    big = list(torch.autograd.grad(loss_fn(X, y).mean(), params))  # one backward over the whole batch
    flat_big = torch.cat([g.flatten() for g in big])
    got = {s: torch.cat([g.flatten() for g in accumulate(params, loss_fn, X, y, k, s)]) for s in SCALINGS}
    sizes = [len(b) for b in torch.tensor_split(y, k)]
    s = r.section(f"one gradient, two ways: a batch of {n}, or {k} micro-batches of sizes {sizes}")
    s.note("for each micro-batch: (loss_i * weight).backward(); PyTorch adds into .grad until zero_grad().")
    s.table(["micro-batch loss times", "||accumulated - big-batch gradient||", "||accumulated|| / ||big||"],
            [[sc, (got[sc] - flat_big).norm(), got[sc].norm() / flat_big.norm()] for sc in SCALINGS])  # fmt: skip
    s.note(
        "The big batch weights every example by 1 / N. "
        "Weighted by n_i / N the sum is exactly the big batch's mean-loss gradient. 1 / k is the usual "
        "recipe and is exact when the micro-batches are the same size; with a short last micro-batch its "
        "examples count more. Forgetting the division makes the gradient k times too long: the same as "
        "multiplying the learning rate by k. (A BatchNorm layer would also break the match: it normalises "
        "each micro-batch with its own statistics.)"
    )
    r.check_close("sum of micro-batch gradients (n_i / N) == one backward over the big batch", got["n_i / N"],
                  flat_big, atol=1e-12)  # fmt: skip
    per_example = {  # what each scaling weights example j by, j in micro-batch i of size n_i
        "1 / k": torch.cat([torch.full((m,), 1 / (k * m), dtype=dt) for m in sizes]),
        "none (the bug)": torch.cat([torch.full((m,), 1 / m, dtype=dt) for m in sizes]),
    }
    for sc, w in per_example.items():
        one = torch.autograd.grad((w * loss_fn(X, y)).sum(), params)  # a single weighted backward
        r.check_close(f"{sc}: accumulated == one backward of sum_j w_j loss_j, w_j = {'1/(k n_i)' if sc == '1 / k' else '1/n_i'}",
                      got[sc], torch.cat([g.flatten() for g in one]), atol=1e-12)  # fmt: skip
    if len(set(sizes)) == 1:
        r.check_close("equal sizes: the bug's gradient == k x the big-batch gradient", got["none (the bug)"],
                      k * flat_big, atol=1e-12, kind="property")  # fmt: skip
    training(r, k)
    big_b, fits = 16 * int(torch.randint(2, 9, ())), (8, 12, 16)[int(torch.randint(0, 3, ()))]
    r.exercise(
        "micro-batches-needed",
        "The recipe asks for batches of B examples; memory holds `fits` at a time. How many micro-batches "
        "per optimizer step?",
        -(-big_b // fits),
        given={"B": big_b, "fits": fits},
    )
    r.exercise(
        "bug-lr",
        "Gradient accumulation over k equal micro-batches, lr 0.01, but each micro-batch loss is not divided "
        "by k. The steps are those of plain big-batch SGD with what learning rate?",
        0.01 * k,
        given={"k": k, "lr": 0.01},
        tolerance=1e-6,
    )


def training(r: Report, k: int) -> None:
    import torch

    s = r.section(f"training with {k} micro-batches per step: right, and with the bug")
    dt, n, steps = torch.float64, 48, 20
    X = torch.randn(n, 4, dtype=dt) * torch.tensor([1.0, 1.0, 2.0, 0.5], dtype=dt)  # (n, 4)
    y = X @ torch.randn(4, dtype=dt) + 0.1 * torch.randn(n, dtype=dt)  # (n,)
    lam_max = float(torch.linalg.eigvalsh(2 * X.T @ X / n).max())
    lr = 1.5 / lam_max  # stable for the big batch: below 2 / lambda_max

    def sq_err(x, t):
        return (x @ w - t) ** 2

    curves = {}
    for name, scaling in (
        ("big batch", None),
        ("accumulated, n_i / N", "n_i / N"),
        ("accumulated, no division", "none"),
    ):
        w = torch.zeros(4, dtype=dt, requires_grad=True)
        losses = []
        for _ in range(steps):
            losses.append(sq_err(X, y).mean().item())
            if scaling is None:
                (g,) = torch.autograd.grad(sq_err(X, y).mean(), [w])
            else:
                (g,) = accumulate([w], sq_err, X, y, k, scaling)
            with torch.no_grad():
                w -= lr * g
        losses.append(sq_err(X, y).mean().item())
        curves[name] = losses
    s.plot("log10 training MSE per step", list(range(steps + 1)),
           **{name: [math.log10(max(v, 1e-300)) for v in ys] for name, ys in curves.items()})  # fmt: skip
    s.table(["run", "MSE at the start", f"MSE after {steps} steps"], [[nm, ys[0], ys[-1]] for nm, ys in curves.items()],
            title=f"linear regression, lr = 1.5 / lambda_max = {lr:.3g}")  # fmt: skip
    s.note(
        f"The bug multiplies every step by k = {k}: an lr that is safe for the big batch (below 2 / lambda_max) "
        f"becomes {1.5 * k:g} / lambda_max, and for k >= 2 the loss grows instead of shrinking."
    )
    right, bug = curves["accumulated, n_i / N"], curves["accumulated, no division"]
    r.check_close("training with accumulation (n_i / N) == training on the big batch, every step",
                  torch.tensor(right), torch.tensor(curves["big batch"]), atol=1e-9)  # fmt: skip
    r.effect("without the division the loss grows where the big batch's falls", bug[-1] > bug[0] > right[-1],
             f"{bug[0]:.3g} -> {bug[-1]:.3g}, big batch -> {right[-1]:.3g}", asserted=k >= 2)  # fmt: skip
