"""Normalization by hand: min-max scaling, mean and std with loops, batch norm forward and backward."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def min_max(x: torch.Tensor, lo: float = 0.0, hi: float = 1.0, fit: torch.Tensor | None = None):
    """Map x linearly so that the min of `fit` (default: x itself) goes to lo and its max to hi.

    Per column for a (N, D) input: the statistics are taken over the rows (dim 0)."""
    fit = x if fit is None else fit
    small, big = fit.min(dim=0).values, fit.max(dim=0).values  # (D,) or scalars
    return lo + (x - small) / (big - small) * (hi - lo)


def mean_std_by_hand(values: list[float], correction: int = 0) -> tuple[float, float]:
    """Mean and standard deviation of a list with plain loops: sum of squares / (n - correction)."""
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - correction)
    return mean, var**0.5


def batch_norm_by_hand(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5):
    """Train-mode batch norm of x (N, C): per feature, over the batch, with the BIASED variance.

    Returns (y, batch mean, biased batch variance), each feature's statistic of shape (C,)."""
    mean = x.mean(dim=0)  # (C,)
    var = ((x - mean) ** 2).mean(dim=0)  # (C,) divides by N
    y = (x - mean) / (var + eps).sqrt() * gamma + beta  # (N, C)
    return y, mean, var


def running_stats_update(running_mean, running_var, x, momentum: float = 0.1):
    """One step of BN's running statistics: an exponential moving average of the batch mean and
    the UNBIASED batch variance (divide by N - 1), as torch.nn.BatchNorm does."""
    n = x.shape[0]
    mean = x.mean(dim=0)  # (C,)
    var_unbiased = ((x - mean) ** 2).sum(dim=0) / (n - 1)  # (C,)
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * var_unbiased
    return new_mean, new_var


def batch_norm_backward(dy: torch.Tensor, x: torch.Tensor, gamma: torch.Tensor, eps: float = 1e-5):
    """Gradients of train-mode batch norm, given dL/dy (N, C): returns (dx, dgamma, dbeta).

    The batch mean and variance depend on every example, so dx has three terms:
    dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat)), means over the batch."""
    mean = x.mean(dim=0)  # (C,)
    inv_std = 1.0 / (((x - mean) ** 2).mean(dim=0) + eps).sqrt()  # (C,)
    x_hat = (x - mean) * inv_std  # (N, C)
    dbeta = dy.sum(dim=0)  # (C,)
    dgamma = (dy * x_hat).sum(dim=0)  # (C,)
    dx = gamma * inv_std * (dy - dy.mean(dim=0) - x_hat * (dy * x_hat).mean(dim=0))  # (N, C)
    return dx, dgamma, dbeta
