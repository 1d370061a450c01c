"""Training loops by hand: full-batch Adam through the functional form (no optimizer object)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def adam_full_batch(params: list[torch.Tensor], loss_fn: Callable[[], torch.Tensor], steps: int, lr: float):
    """Run `steps` Adam updates of params (leaves with requires_grad) on loss_fn(); returns the losses
    seen before each step. `torch.optim.adam.adam` is the update torch.optim.Adam makes, without
    building an optimizer (the first one built imports torch._dynamo, about a second)."""
    import torch
    from torch.optim.adam import adam

    m, v = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    counts = [torch.tensor(0.0) for _ in params]
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        grads = list(torch.autograd.grad(loss, params))
        losses.append(float(loss.detach()))
        with torch.no_grad():
            adam(params, grads, m, v, [], counts, amsgrad=False, beta1=0.9, beta2=0.999, lr=lr,
                 weight_decay=0.0, eps=1e-8, maximize=False, foreach=True)  # fmt: skip
    return losses
