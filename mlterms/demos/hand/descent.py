"""Descent by hand: quadratic bowls, central finite differences, and the SGD-momentum and Adam updates.

The updates follow torch.optim's documented rules (SGD without dampening, Adam with bias correction)
so that a demo can check them against the functional forms `torch.optim.sgd.sgd` and `torch.optim.adam.adam`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def rotation(angle: float, dtype=None) -> torch.Tensor:
    """The 2x2 rotation by `angle` (radians); its columns are orthonormal directions."""
    import math

    import torch

    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s], [s, c]], dtype=dtype)  # (2, 2)


def bowl(eigenvalues: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """The symmetric A = Q diag(eigenvalues) Q^T: column j of Q is the eigen-direction of eigenvalue j."""
    import torch

    return q @ torch.diag(eigenvalues) @ q.T  # (D, D)


def quadratic(w: torch.Tensor, a: torch.Tensor, w_star: torch.Tensor) -> torch.Tensor:
    """f(w) = 1/2 (w - w*)^T A (w - w*), for w (D,) and A (D, D); its gradient is A (w - w*)."""
    e = w - w_star  # (D,)
    return 0.5 * e @ a @ e


def central_differences(f: Callable[[torch.Tensor], float], w: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """The gradient of f at w (D,) by central differences: (f(w + h e_i) - f(w - h e_i)) / 2h."""
    import torch

    grad = torch.zeros_like(w)  # (D,)
    for i in range(w.numel()):
        step = torch.zeros_like(w)
        step[i] = h
        grad[i] = (f(w + step) - f(w - step)) / (2 * h)
    return grad


def momentum_step(p: torch.Tensor, g: torch.Tensor, buf: torch.Tensor | None, lr: float, momentum: float):
    """torch.optim.SGD's rule (no dampening): buf <- momentum * buf + g (buf = g on the first step),
    p <- p - lr * buf. Returns the new (p, buf); momentum 0 is plain SGD."""
    buf = g.clone() if buf is None else momentum * buf + g
    return p - lr * buf, buf


def adam_step(p, g, m, v, t: int, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
    """One Adam step, t counting from 1: running means of g and g^2, bias-corrected, then
    p <- p - lr * m_hat / (sqrt(v_hat) + eps). Returns the new (p, m, v)."""
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)  # the bias correction: m and v start at 0
    v_hat = v / (1 - b2**t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v
