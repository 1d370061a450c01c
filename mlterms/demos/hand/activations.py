"""Softmax by hand: the one version every demo uses (layers, attention, distillation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def softmax(z: torch.Tensor, T: float = 1.0) -> torch.Tensor:
    """softmax(z / T) over the last axis: exp(z/T - max) / sum exp(z/T - max).

    Subtracting the max changes nothing but overflow (exp of the largest term is e^0 = 1);
    a logit of -inf (a masked position) gets probability 0. z (..., K) -> (..., K).
    """
    z = z / T
    e = (z - z.max(dim=-1, keepdim=True).values).exp()
    return e / e.sum(dim=-1, keepdim=True)


def softmax_naive(z: torch.Tensor) -> torch.Tensor:
    """The textbook formula as written: exp(z) overflows to inf above ~88 in float32, giving nan."""
    e = z.exp()
    return e / e.sum(dim=-1, keepdim=True)
