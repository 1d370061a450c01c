"""Hyperparameter: chosen before training, judged on validation data, never on the training loss."""

from __future__ import annotations

import math

from mlterms.demos.hand.training import gd
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

LRS = (0.003, 0.03, 0.3)  # the learning rates of the grid
N_VAL = 200  # validation points


def initial_weights(width: int) -> list:
    """W1 (width, 1), b1 (width, 1), W2 (1, width), b2 (1, 1) of a 1 -> width -> 1 tanh net."""
    import torch

    return [
        torch.randn(width, 1),
        torch.randn(width, 1),
        torch.randn(1, width) / width**0.5,
        torch.zeros(1, 1),
    ]


def train_grid(x, y, init: list, lrs, steps: int, momentum: float = 0.9):
    """Train one copy of the net per learning rate, all at once (a batch of L nets), by full-batch
    gradient descent with momentum (torch.optim.SGD's rule), from the same initial weights.

    Returns the nets' parameters [W1 (L, width, 1), b1 (L, width, 1), W2 (L, 1, width), b2 (L, 1, 1)]
    and the loss before every step, (steps + 1, L)."""
    import torch

    L = len(lrs)
    params = [p.expand(L, *p.shape).clone().requires_grad_() for p in init]  # one copy per learning rate
    lr = torch.tensor(lrs).view(L, 1, 1)  # (L, 1, 1)
    velocity = [torch.zeros_like(p) for p in params]
    losses = []
    for _ in range(steps + 1):
        per_net = ((net(params, x) - y) ** 2).mean(dim=(1, 2))  # (L,) each net's MSE
        losses.append(per_net.detach())
        if len(losses) > steps:
            break
        grads = torch.autograd.grad(per_net.sum(), params)  # each net's gradient only sees its own loss
        with torch.no_grad():
            for p, g, v in zip(params, grads, velocity, strict=True):
                g = torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)  # a diverged net stays diverged
                v.mul_(momentum).add_(g)
                p.sub_(lr * v)
    return params, torch.stack(losses)


def net(params, x):
    """(L nets) x (N, 1) inputs -> (L, N, 1) predictions."""
    import torch

    W1, b1, W2, b2 = params
    h = torch.tanh(W1 @ x.T + b1)  # (L, width, N)
    return (W2 @ h + b2).transpose(1, 2)  # (L, N, 1)


@demo(
    summary="Hyperparameters (learning rate, width, ...) are set by the user between runs of training, "
    "not learned by it, unlike the parameters (weights, biases); choose them on a validation set, since "
    "the training loss favours whatever fits the training data, noise included.",
    params=[
        Param("n", "int", 16, "training points", min=8, max=64),
        Param("noise", "float", 0.5, "noise on the targets", min=0.0, max=1.0),
        Param("steps", "int", 200, "gradient steps per run", min=50, max=400),
    ],
)
def run(r: Report, *, n: int, noise: float, steps: int) -> None:
    import torch

    x = torch.linspace(-2, 2, n).unsqueeze(1)  # (N, 1) training inputs, evenly spaced
    y = torch.sin(x) + noise * torch.randn(n, 1)  # (N, 1) noisy targets
    x_val = 4 * torch.rand(N_VAL, 1) - 2  # (V, 1) validation inputs, drawn from the same range
    y_val = torch.sin(x_val) + noise * torch.randn(N_VAL, 1)  # (V, 1) with their own noise

    s = r.section("a grid search: learning rate x width")
    s.note(
        f"Every run: full-batch gradient descent with momentum 0.9 on the MSE, {steps} steps; the runs of "
        "one width start from the same initial weights, so only the hyperparameters differ."
    )
    rows, train, val, curves = [], {}, {}, {}
    for width in (4, 256):
        init = initial_weights(width)
        params, losses = train_grid(x, y, init, LRS, steps)
        with torch.no_grad():
            v = ((net(params, x_val) - y_val) ** 2).mean(dim=(1, 2))  # (L,)
        for i, lr in enumerate(LRS):
            train[(lr, width)], val[(lr, width)] = finite(losses[-1, i]), finite(v[i])
            rows.append([lr, width, 3 * width + 1, losses[0, i], train[(lr, width)], val[(lr, width)]])
            if math.isfinite(train[(lr, width)]):  # a diverged run is in the table, not the plot
                curves[f"lr={lr}, width {width}"] = losses[:, i]
        if width == 4:
            alone(r, x, y, init, losses[:, 1])
    s.table(
        ["learning rate", "width", "# parameters", "loss at start", "final train loss", "validation loss"],
        rows,
    )
    s.plot("training loss per step (the runs that did not diverge)", list(range(steps + 1)), **curves)
    by_train, by_val = min(train, key=train.__getitem__), min(val, key=val.__getitem__)
    s.table(
        ["chosen by", "learning rate", "width", "validation loss"],
        [["training loss", *by_train, val[by_train]], ["validation loss", *by_val, val[by_val]]],
    )
    s.note(
        "The training loss picks the run that fits the training points best, noise included; the "
        "validation loss, on points the runs never saw, picks the one that generalizes. The weights "
        "of each run are its parameters; lr and width are the hyperparameters."
    )
    diverged = [k for k in train if not train[k] < rows[0][3] * 10]
    r.effect("validation picks a different run than the training loss",
             by_val != by_train, f"train: {by_train}, validation: {by_val}")  # fmt: skip
    r.effect("the largest learning rate diverges on the wide net", (LRS[-1], 256) in diverged,
             f"diverged: {diverged}")  # fmt: skip
    r.exercise(
        "n-parameters",
        "A 1 -> width -> 1 net (weights and biases): how many parameters does training learn?",
        3 * 256 + 1,
        given={"width": 256},
    )


def finite(t) -> float:
    """A loss as a float; a diverged run (inf or nan) as inf, so that it never wins a comparison."""
    v = float(t)
    return v if math.isfinite(v) else math.inf


def alone(r: Report, x, y, init: list, batched) -> None:
    """One net of the batch, trained again on its own with hand/training.gd: the same losses."""
    import torch

    params = [p.clone().requires_grad_() for p in init]
    losses = gd(params, lambda: ((net([p[None] for p in params], x) - y) ** 2).mean(), LRS[1], 30, 0.9)
    r.check_close(f"width 4, lr {LRS[1]}: the batched grid's first 30 steps == the net trained alone (hand gd)",
                  torch.tensor(losses), batched[:31], atol=1e-5)  # fmt: skip
