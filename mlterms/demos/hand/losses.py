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
