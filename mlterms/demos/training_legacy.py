"""Demos: training.

Updates are written out by hand (p <- p - lr * grad) except where torch.optim itself is the subject
(step): besides being the point of these demos, this keeps them fast, because the first use of torch.optim
imports torch._dynamo, which costs seconds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


# --- hyperparameter ------------------------------------------------------------------------------


def _mlp(width: int) -> torch.nn.Module:
    """A tiny 1 -> width -> 1 regression net."""
    import torch.nn as nn

    return nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))


def gd(params, loss_fn, lr: float, steps: int, momentum: float = 0.0) -> list[float]:
    """Full-batch gradient descent by hand, torch.optim.SGD's rule: v <- momentum*v + grad, p <- p - lr*v.

    Returns the loss before every step and after the last one.
    """
    import torch

    params = list(params)
    velocity = [torch.zeros_like(p) for p in params]
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = None  # optimizer.zero_grad()
        loss = loss_fn()  # forward
        loss.backward()  # backward: fills p.grad
        with torch.no_grad():  # the update, what optimizer.step() would do
            for p, v in zip(params, velocity, strict=True):
                v.mul_(momentum).add_(p.grad)
                p -= lr * v
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(loss_fn().item())
    return losses


@demo(
    "hyperparameter",
    summary="Hyperparameters (learning rate, width, steps) are chosen by you before training; the "
    "parameters (weights, biases) are what training learns. Same data, different choices, different results.",
)
def hyperparameter(r: Report) -> None:
    import copy

    import torch
    import torch.nn.functional as F

    x = torch.linspace(-2, 2, 32).unsqueeze(1)  # (N, 1) training inputs
    x_val = x[:-1] + 1 / 31  # (N-1, 1) held-out inputs, halfway between the training ones
    y, y_val = torch.sin(2 * x), torch.sin(2 * x_val)  # targets
    lrs, widths, steps = (0.01, 0.05, 0.2), (2, 8), 60

    s = r.section("a small grid search: learning rate x width")
    s.note(
        f"Every run: full-batch SGD on MSE for {steps} steps; runs of one width start from the same initial "
        "weights, so only the hyperparameters differ. Pick the winner on held-out (validation) data, "
        "not on the training loss."
    )
    rows, final, val, curves = [], {}, {}, {}
    for width in widths:
        init = _mlp(width)  # its weights and biases are the parameters: training learns them
        n_params = sum(p.numel() for p in init.parameters())
        r.check_equal(f"width {width}: parameter count = 3*width + 1", n_params, 3 * width + 1)
        for lr in lrs:
            model = copy.deepcopy(init)
            losses = gd(model.parameters(), lambda m=model: F.mse_loss(m(x), y), lr, steps)
            with torch.no_grad():
                val[(lr, width)] = F.mse_loss(model(x_val), y_val).item()
            final[(lr, width)] = losses[-1]
            if width == widths[-1]:
                curves[f"lr={lr}"] = losses
            rows.append([lr, width, n_params, losses[0], losses[-1], val[(lr, width)]])
        if width == widths[0]:
            model = copy.deepcopy(init)
            again = gd(model.parameters(), lambda m=model: F.mse_loss(m(x), y), lrs[1], steps)[-1]
            r.check("same hyperparameters + same init -> same result", again == final[(lrs[1], width)])
    s.table(
        ["learning rate", "width", "# parameters", "loss at start", "final train loss", "validation loss"],
        rows,
    )
    s.plot(f"training loss, width {widths[-1]}", list(range(steps + 1)), **curves)
    lr_best, width_best = min(val, key=val.get)
    s.scalar("best on validation", f"learning rate {lr_best}, width {width_best}")

    r.check("every run finite", all(math.isfinite(v) for v in [*final.values(), *val.values()]))
    for width in widths:
        by_lr = [final[(lr, width)] for lr in lrs]
        r.check(
            f"width {width}: best lr beats the worst",
            min(by_lr) < max(by_lr),
            str([f"{v:.4f}" for v in by_lr]),
        )


# --- fine tuning ---------------------------------------------------------------------------------


@demo(
    "fine tuning",
    summary="Fine tuning continues training an already trained model on new data for a new task; here the "
    "pretrained body is frozen and only the head learns the new task.",
)
def fine_tuning(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    x = 4 * torch.rand(64, 2) - 2  # (N, 2) inputs in [-2, 2]
    y_a = torch.sin(2 * x[:, :1]) + 0.5 * x[:, 1:] ** 2  # (N, 1) task A
    y_b = torch.sin(2 * x[:, :1]) - 0.5 * x[:, 1:] ** 2  # (N, 1) task B: the same features, mixed differently
    body = nn.Sequential(nn.Linear(2, 16), nn.Tanh())  # (N, 2) -> (N, 16) features
    head = nn.Linear(16, 1)  # (N, 16) -> (N, 1)
    model = nn.Sequential(body, head)

    s = r.section("1. pretrain everything on task A")
    s.note("Both phases: full-batch gradient descent with momentum 0.9, lr 0.1 (gd(), written out by hand).")
    losses_a = gd(model.parameters(), lambda: F.mse_loss(model(x), y_a), lr=0.1, steps=100, momentum=0.9)
    s.table(
        ["task A loss", "value"], [["before pretraining", losses_a[0]], ["after pretraining", losses_a[-1]]]
    )

    s = r.section("2. freeze the body, train the head on task B")
    model.zero_grad()  # drop pretraining's leftover .grad tensors
    body.requires_grad_(False)  # no gradients for the body: autograd skips it, the update never sees it
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainable = [p for p in model.parameters() if p.requires_grad]  # what you would give the optimizer
    losses_b = gd(trainable, lambda: F.mse_loss(model(x), y_b), lr=0.1, steps=50, momentum=0.9)
    loss_b_before, loss_b_after = losses_b[0], losses_b[-1]
    s.table(
        ["task B loss", "value"], [["before fine tuning", loss_b_before], ["after fine tuning", loss_b_after]]
    )
    s.plot("task B loss while fine tuning the head", list(range(len(losses_b))), task_b=losses_b)
    rows = []
    for name, p in model.named_parameters():
        diff = (p.detach() - before[name]).abs().max()
        rows.append([name, "body" if name.startswith("0.") else "head", p.requires_grad, list(p.shape), diff])
    s.table(["parameter", "part", "requires_grad", "shape", "max |change|"], rows)
    s.note(
        "Freezing the body and training only the head is the cheapest form of fine tuning; full fine tuning "
        "updates every weight, usually with a smaller learning rate than pretraining."
    )

    r.check_equal(
        "trainable parameters = head only (16 weights + 1 bias)", sum(p.numel() for p in trainable), 17
    )
    r.check(
        "body parameters unchanged exactly",
        all(torch.equal(p, before[n]) for n, p in body.named_parameters(prefix="0")),
    )
    r.check("frozen body got no gradients", all(p.grad is None for p in body.parameters()))
    r.check(
        "head parameters changed",
        all(not torch.equal(p, before[n]) for n, p in head.named_parameters(prefix="1")),
    )
    r.check("task B loss fell", loss_b_after < loss_b_before, f"{loss_b_before:.4f} -> {loss_b_after:.4f}")


# --- step, iteration, learning rate ----------------------------------------------------------------
