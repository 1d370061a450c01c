"""Training loops for the demos: full-batch Adam, without constructing a `torch.optim` optimizer
(the first one imports torch._dynamo, which costs seconds on a small CPU)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def fit_adam(
    params: Sequence[torch.Tensor], loss_fn: Callable[[], torch.Tensor], steps: int, lr: float
) -> list[float]:
    """Minimise loss_fn() over params, full batch, for `steps` Adam updates; the loss before each.

    torch.optim.adam.adam is the functional form of torch.optim.Adam (betas 0.9, 0.999, eps 1e-8):
    the same update, with the optimizer's state (m, v, step) kept here.
    """
    import torch
    from torch.optim.adam import adam

    params = list(params)

    m = [torch.zeros_like(p) for p in params]  # running mean of the gradient
    v = [torch.zeros_like(p) for p in params]  # running mean of the squared gradient
    step = [torch.tensor(0.0) for _ in params]
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        grads = list(torch.autograd.grad(loss, params))
        with torch.no_grad():
            adam(
                params, grads, m, v, [], step, foreach=True, capturable=False, differentiable=False,
                fused=None, grad_scale=None, found_inf=None, has_complex=False, amsgrad=False,
                beta1=0.9, beta2=0.999, lr=lr, weight_decay=0.0, eps=1e-8, maximize=False,
            )  # fmt: skip
        losses.append(loss.item())
    return losses
