"""Losses by hand: plain loops over elements, to check against torch.nn.functional."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def l1_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> float:
    """Sum (or mean) of |pred - target| over every element, with a plain loop."""
    total, count = 0.0, 0
    for p, t in zip(pred.flatten().tolist(), target.flatten().tolist(), strict=True):
        total += abs(p - t)
        count += 1
    return total / count if reduction == "mean" else total


def sum_squared_error(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Sum of squared errors over every element, with a plain loop."""
    total = 0.0
    for p, t in zip(pred.flatten().tolist(), target.flatten().tolist(), strict=True):
        total += (p - t) ** 2
    return total


def log_softmax(z: torch.Tensor) -> torch.Tensor:
    """z - logsumexp(z) over the last axis, with the max taken out first so exp never overflows."""
    m = z.max(dim=-1, keepdim=True).values  # (..., 1)
    return z - m - (z - m).exp().sum(dim=-1, keepdim=True).log()  # (..., C)


def cross_entropy(z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-example -log softmax(z)[label]: z (B, C) logits, labels (B,) class indices -> (B,)."""
    return -log_softmax(z).gather(1, labels[:, None])[:, 0]


def soft_cross_entropy(z: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-example -sum_c y_c log softmax(z)_c: z (B, C) logits, target (B, C) probabilities -> (B,)."""
    return -(target * log_softmax(z)).sum(dim=-1)


def entropy(p: torch.Tensor) -> torch.Tensor:
    """-sum p log p over the last axis, with 0 log 0 = 0: p (..., C) probabilities -> (...)."""
    return -(p * p.clamp_min(1e-300).log()).sum(dim=-1)


def kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) = sum p log(p / q) over the last axis, 0 log 0 = 0: (..., C) each -> (...)."""
    return (p * (p.clamp_min(1e-300).log() - q.log())).sum(dim=-1)


def bce_with_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-element binary cross-entropy on logits, stable: max(z, 0) - z y + log(1 + exp(-|z|))."""
    return z.clamp(min=0) - z * y + (-z.abs()).exp().log1p()
