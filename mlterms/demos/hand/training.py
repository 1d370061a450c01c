"""Training loops by hand: the SGD update rule and full-batch gradient descent.

The update is written out (p <- p - lr * v) so that demos can check it against the functional
`torch.optim.sgd.sgd`, the function `torch.optim.SGD.step()` calls, without constructing an
optimizer (the first construction imports torch._dynamo, which costs over a second).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def sgd_update(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    velocity: list[torch.Tensor],
    lr: float,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> None:
    """One step of torch.optim.SGD's rule, in place (dampening 0, no Nesterov):
    g <- grad + weight_decay * p;  v <- momentum * v + g;  p <- p - lr * v.

    `velocity` starts as zeros, which gives torch's first step v = g. Call under torch.no_grad()."""
    for p, g, v in zip(params, grads, velocity, strict=True):
        g = g + weight_decay * p if weight_decay else g  # same shape as p
        v.mul_(momentum).add_(g)
        p.sub_(lr * v)


def gd(
    params: Iterable[torch.Tensor],
    loss_fn: Callable[[], torch.Tensor],
    lr: float,
    steps: int,
    momentum: float = 0.0,
) -> list[float]:
    """Full-batch gradient descent: `steps` training steps of forward, backward, update.

    Returns the loss before every step and after the last one (steps + 1 numbers). A loss that
    overflows stops the run early (a diverging learning rate): the last loss is then inf or nan."""
    import math

    import torch

    params = list(params)
    velocity = [torch.zeros_like(p) for p in params]
    losses = []
    for _ in range(steps):
        loss = loss_fn()  # forward
        losses.append(loss.item())
        if not math.isfinite(losses[-1]) or losses[-1] > 1e12:
            return losses  # diverged: further steps only compute inf and nan
        grads = torch.autograd.grad(loss, params)  # backward
        with torch.no_grad():
            sgd_update(params, list(grads), velocity, lr, momentum)  # the update
    with torch.no_grad():
        losses.append(loss_fn().item())
    return losses
