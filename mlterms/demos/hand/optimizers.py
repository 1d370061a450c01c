"""Optimizer updates by hand beyond SGD and Adam (those are in hand/descent.py): Nesterov momentum,
RMSprop, AdamW, clipping by the total gradient norm, and rounding to fewer significand bits.

Each follows the rule torch.optim documents, so that a demo can check it step by step against the
functional forms (`torch.optim.sgd.sgd`, `torch.optim.rmsprop.rmsprop`, `torch.optim.adamw.adamw`)
or `torch.nn.utils.clip_grad_norm_`, without constructing an optimizer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def nesterov_step(p, g, buf, lr: float, momentum: float):
    """torch.optim.SGD(nesterov=True): buf <- momentum * buf + g (buf = g at first), then the step
    uses the look-ahead g + momentum * buf instead of buf. Returns the new (p, buf)."""
    buf = g.clone() if buf is None else momentum * buf + g
    return p - lr * (g + momentum * buf), buf


def rmsprop_step(p, g, sq, lr: float, alpha: float = 0.99, eps: float = 1e-8):
    """torch.optim.RMSprop (not centered, no momentum): sq <- alpha sq + (1 - alpha) g^2, then
    p <- p - lr * g / (sqrt(sq) + eps). No bias correction, unlike Adam. Returns (p, sq)."""
    sq = alpha * sq + (1 - alpha) * g * g
    return p - lr * g / (sq.sqrt() + eps), sq


def adamw_step(p, g, m, v, t: int, lr: float, wd: float, betas=(0.9, 0.999), eps: float = 1e-8):
    """One AdamW step, t from 1: first p <- p * (1 - lr * wd), a shrink that never enters m or v,
    then the plain Adam step. Returns the new (p, m, v)."""
    b1, b2 = betas
    p = p * (1 - lr * wd)  # the decoupled decay
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v


def clip_total_norm(grads: list[torch.Tensor], max_norm: float) -> tuple[list[torch.Tensor], float]:
    """Clip a list of gradients together, as clip_grad_norm_ does: the norm of all their entries
    as one vector, and if it exceeds max_norm every gradient times max_norm / norm (the direction
    is kept). Returns the clipped gradients and the norm before clipping."""
    total = sum(float((g * g).sum()) for g in grads) ** 0.5
    scale = min(1.0, max_norm / (total + 1e-6))  # torch adds 1e-6 so that a zero gradient is safe
    return [g * scale for g in grads], total


def round_significand(x: torch.Tensor, bits: int) -> torch.Tensor:
    """x (float64) rounded to the nearest number with `bits` significand bits (the leading 1
    included), ties to even, ignoring the exponent range: bf16 has 8 such bits, fp16 11, fp32 24."""
    import torch

    _, e = torch.frexp(x)  # x = m * 2^e with 0.5 <= |m| < 1
    quantum = torch.ldexp(torch.ones_like(x), e - bits)  # the spacing of representable numbers near x
    return torch.round(x / quantum) * quantum  # torch.round rounds half to even; 0 stays 0
