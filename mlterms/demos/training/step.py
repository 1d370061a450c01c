"""Step: a training step (an iteration) vs the optimizer.step() call vs an epoch."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.hand.training import sgd_update
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

MICRO = 4  # examples per micro-batch in the gradient-accumulation section


def _grad(p: torch.Tensor) -> torch.Tensor:
    """p.grad, which a backward() call has just filled."""
    assert p.grad is not None, "backward() fills .grad"
    return p.grad


@demo(
    summary="A training step is a forward and backward pass of one batch plus the parameter update, the "
    "same thing as an iteration; in PyTorch optimizer.step() is only the update part, and an epoch "
    "(a full pass over the data) is ceil(N / batch size) steps.",
    params=[
        Param("lr", "float", 0.05, "learning rate of the SGD update", min=0.001, max=0.1),
        Param("momentum", "float", 0.9, "SGD momentum (the update keeps a velocity)", min=0.0, max=0.95),
        Param("micro_batches", "int", 3, "micro-batches accumulated into one step", min=1, max=8),
    ],
)
def run(r: Report, *, lr: float, momentum: float, micro_batches: int) -> None:
    s = r.section("three words, three things")
    s.table(
        ["name", "what it is", "in PyTorch", "how many per epoch"],
        [
            ["training step = iteration", "forward + backward + update, on one batch", "one loop body",
             "ceil(N / batch size)"],
            ["optimizer.step()", "only the update p <- p - lr * v, reading p.grad", "one call",
             "one per training step"],
            ["epoch", "one pass over all N training examples", "one pass of the DataLoader", "1"],
        ],
    )  # fmt: skip
    s.note(
        "The original notes said a step is 'a forward and backward pass of one batch, similar to "
        "iteration'. Forward and backward only compute the loss and the gradients: the training step "
        "ends with the update, which in PyTorch is the call optimizer.step()."
    )
    two_steps(r, lr, momentum)
    accumulation(r, lr, micro_batches)


def two_steps(r: Report, lr: float, momentum: float) -> None:
    import torch
    import torch.nn.functional as F
    from torch.optim.sgd import sgd  # the function torch.optim.SGD.step() runs

    dt = torch.float64
    x, y = torch.randn(8, 3, dtype=dt), torch.randn(8, 1, dtype=dt)  # (N, D), (N, 1)
    W = (0.5 * torch.randn(1, 3, dtype=dt)).requires_grad_()  # (1, D)
    b = torch.zeros(1, dtype=dt, requires_grad=True)  # (1,)
    params = [W, b]
    ref = [p.detach().clone() for p in params]  # a copy, updated by torch's sgd
    velocity = [torch.zeros_like(p) for p in params]
    buffers: list[torch.Tensor | None] = [None, None]

    s = r.section("two training steps: forward, backward, update")
    rows, losses = [], []
    for t in (1, 2):
        before = [p.detach().clone() for p in params]
        loss = F.mse_loss(x @ W.T + b, y)  # forward
        W.grad = b.grad = None  # optimizer.zero_grad()
        loss.backward()  # backward: fills .grad, changes no parameter
        unchanged = all(torch.equal(p, q) for p, q in zip(params, before, strict=True))
        r.check(f"step {t}: backward alone changes no parameter", unchanged, kind="property")
        grads = [_grad(p).clone() for p in params]
        with torch.no_grad():
            sgd_update(params, grads, velocity, lr, momentum)  # what optimizer.step() does
        sgd(ref, grads, buffers, weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0,
            nesterov=False, maximize=False)  # fmt: skip
        r.check_close(
            f"step {t}: hand update == torch.optim.sgd.sgd (momentum {momentum:g})",
            torch.cat([p.detach().flatten() for p in params]),
            torch.cat([p.flatten() for p in ref]),
            atol=1e-12,
        )
        rows.append(
            [
                t,
                before[0].flatten(),
                grads[0].flatten(),
                velocity[0].flatten().clone(),
                W.detach().flatten().clone(),
            ]
        )
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(F.mse_loss(x @ W.T + b, y).item())
    s.table(["step", "W before", "W.grad", "velocity v", "W after"], rows)
    s.note(
        "v <- momentum * v + grad, then p <- p - lr * v: with momentum the second update is not "
        "just lr * grad, because the velocity remembers the first one."
    )
    s.table(
        ["", "loss"], [["before step 1", losses[0]], ["after step 1", losses[1]], ["after step 2", losses[2]]]
    )
    r.effect(
        "two small steps lower the training loss",
        losses[2] < losses[0],
        f"{losses[0]:.4f} -> {losses[2]:.4f}",
    )


def accumulation(r: Report, lr: float, k: int) -> None:
    import torch
    import torch.nn.functional as F

    dt = torch.float64
    x, y = torch.randn(MICRO * k, 3, dtype=dt), torch.randn(MICRO * k, 1, dtype=dt)  # (k*B, D), (k*B, 1)
    W = torch.randn(1, 3, dtype=dt, requires_grad=True)  # (1, D)

    s = r.section("why optimizer.zero_grad(): gradients add up")
    F.mse_loss(x @ W.T, y).backward()
    g1 = _grad(W).clone()
    F.mse_loss(x @ W.T, y).backward()  # a second backward without zero_grad
    s.table(
        ["", "W.grad"],
        [["after one backward", g1.flatten()], ["after two, no zero_grad", _grad(W).flatten()]],
    )
    r.check_close(
        "backward adds into .grad: two backwards == 2 x one", W.grad, 2 * g1, atol=1e-12, kind="property"
    )

    s = r.section(f"gradient accumulation: {k} backward passes, one training step")
    W.grad = None
    for xb, yb in zip(x.split(MICRO), y.split(MICRO), strict=True):  # k micro-batches of (B, D)
        (F.mse_loss(xb @ W.T, yb) / k).backward()  # divide by k: the mean over all k*B examples
    accumulated = _grad(W).clone()
    full = torch.autograd.grad(F.mse_loss(x @ W.T, y), W)[0]  # one batch of k*B examples
    r.check_close(
        f"{k} accumulated micro-batch gradients (loss / {k}) == the gradient of the whole batch",
        accumulated,
        full,
        atol=1e-12,
    )
    s.table(
        ["backward calls", "optimizer.step() calls", "training steps", "examples in the step"],
        [[k, 1, 1, MICRO * k]],
    )
    s.note(
        "Usually one training step = one batch = one backward = one optimizer.step(). With gradient "
        f"accumulation, {k} micro-batches of {MICRO} make one step of {MICRO * k} examples: one update."
    )
    n, batch, epochs = 640, 32, 3
    r.exercise(
        "backward-calls",
        "Training for `epochs` epochs on N examples in micro-batches of `batch`, one backward per "
        "micro-batch: how many backward calls?",
        epochs * math.ceil(n / batch),
        given={"N": n, "batch": batch, "epochs": epochs},
    )
    r.exercise(
        "optimizer-steps",
        "Same run, but each training step accumulates `accumulate` micro-batches before calling "
        "optimizer.step(): how many optimizer.step() calls (the short last group still steps)?",
        epochs * math.ceil(math.ceil(n / batch) / k),
        given={"N": n, "batch": batch, "epochs": epochs, "accumulate": k},
    )
