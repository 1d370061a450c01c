<<<<<<< HEAD
"""Training loops for the demos: full-batch Adam, without constructing a `torch.optim` optimizer
(the first one imports torch._dynamo, which costs seconds on a small CPU)."""
=======
"""Training loops by hand: full-batch Adam through the functional form (no optimizer object)."""
>>>>>>> new-layers

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


<<<<<<< HEAD
def fit_adam(
    params: list[torch.Tensor], loss_fn: Callable[[], torch.Tensor], steps: int, lr: float
) -> list[float]:
    """Minimise loss_fn() over params, full batch, for `steps` Adam updates; the loss before each.

    torch.optim.adam.adam is the functional form of torch.optim.Adam (betas 0.9, 0.999, eps 1e-8):
    the same update, with the optimizer's state (m, v, step) kept here.
    """
    import torch
    from torch.optim.adam import adam

    m = [torch.zeros_like(p) for p in params]  # running mean of the gradient
    v = [torch.zeros_like(p) for p in params]  # running mean of the squared gradient
    step = [torch.tensor(0.0) for _ in params]
=======
def adam_full_batch(params: list[torch.Tensor], loss_fn: Callable[[], torch.Tensor], steps: int, lr: float):
    """Run `steps` Adam updates of params (leaves with requires_grad) on loss_fn(); returns the losses
    seen before each step. `torch.optim.adam.adam` is the update torch.optim.Adam makes, without
    building an optimizer (the first one built imports torch._dynamo, about a second)."""
    import torch
    from torch.optim.adam import adam

    m, v = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    counts = [torch.tensor(0.0) for _ in params]
>>>>>>> new-layers
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        grads = list(torch.autograd.grad(loss, params))
<<<<<<< HEAD
        with torch.no_grad():
            adam(
                params, grads, m, v, [], step, foreach=True, capturable=False, differentiable=False,
                fused=None, grad_scale=None, found_inf=None, has_complex=False, amsgrad=False,
                beta1=0.9, beta2=0.999, lr=lr, weight_decay=0.0, eps=1e-8, maximize=False,
            )  # fmt: skip
        losses.append(loss.item())
=======
        losses.append(float(loss.detach()))
        with torch.no_grad():
            adam(params, grads, m, v, [], counts, amsgrad=False, beta1=0.9, beta2=0.999, lr=lr,
                 weight_decay=0.0, eps=1e-8, maximize=False, foreach=True)  # fmt: skip
>>>>>>> new-layers
    return losses
