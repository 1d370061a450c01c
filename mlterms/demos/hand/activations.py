"""Activations by hand: sigmoid, tanh, relu and their derivatives, softmax, and the stable BCE.

The one version every demo uses (activation function, relu, sigmoid, tanh, temperature,
softmax, attention, distillation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def act(z: torch.Tensor, name: str) -> torch.Tensor:
    """The activation by its formula: sigmoid 1 / (1 + e^-z), tanh, relu max(0, z), or none."""
    if name == "sigmoid":
        return 1 / (1 + (-z).exp())
    if name == "tanh":
        return (z.exp() - (-z).exp()) / (z.exp() + (-z).exp())
    if name == "relu":
        return z * (z > 0)
    return z


def act_grad(z: torch.Tensor, name: str) -> torch.Tensor:
    """f'(z): sigmoid s(1 - s), at most 1/4; tanh 1 - tanh^2; relu 1 where z > 0, else 0; none 1."""
    if name == "sigmoid":
        s = act(z, "sigmoid")
        return s * (1 - s)
    if name == "tanh":
        return 1 - act(z, "tanh") ** 2
    if name == "relu":
        return (z > 0).to(z.dtype)
    return z.new_ones(z.shape)


def bce(z: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Binary cross-entropy on logits, stable form: max(z, 0) - z*y + log(1 + e^-|z|).

    Equal to -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], but e^-|z| never overflows and
    log1p never sees 0. reduction "mean", or "none" for one loss per element."""
    per = z.clamp(min=0) - z * y + (-z.abs()).exp().log1p()
    return per.mean() if reduction == "mean" else per


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


def entropy(p: torch.Tensor) -> torch.Tensor:
    """-sum p log p over the last axis, in nats, with 0 log 0 = 0 (xlogy). p (..., K) -> (...)."""
    return -p.xlogy(p).sum(dim=-1)
