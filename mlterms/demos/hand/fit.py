"""Training by hand: Adam written out, so that no `torch.optim` optimizer is constructed
(the first one imports torch._dynamo, which costs seconds on a small CPU)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def fit_adam(
    params: list[torch.Tensor], loss_fn: Callable[[], torch.Tensor], steps: int, lr: float
) -> list[float]:
    """Minimise loss_fn() over params with Adam (Kingma & Ba, 2015); returns the loss per step.

    The same update as torch.optim.Adam with its defaults (betas 0.9, 0.999, eps 1e-8).
    """
    import torch

    b1, b2, eps = 0.9, 0.999, 1e-8
    m = [torch.zeros_like(p) for p in params]  # running mean of the gradient
    v = [torch.zeros_like(p) for p in params]  # running mean of the squared gradient
    losses = []
    for t in range(1, steps + 1):
        loss = loss_fn()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g, mp, vp in zip(params, grads, m, v, strict=True):
                mp.lerp_(g, 1 - b1)  # m = b1 m + (1 - b1) g
                vp.mul_(b2).addcmul_(g, g, value=1 - b2)  # v = b2 v + (1 - b2) g^2
                denom = vp.sqrt().div_(math.sqrt(1 - b2**t)).add_(eps)  # sqrt(v_hat) + eps
                p.addcdiv_(mp, denom, value=-lr / (1 - b1**t))  # p -= lr m_hat / (sqrt(v_hat) + eps)
        losses.append(loss.item())
    return losses
