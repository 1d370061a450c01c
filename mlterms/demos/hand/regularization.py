"""Penalised least squares by hand: the MSE gradient and the ridge closed form."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def mse_grad(X: torch.Tensor, w: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Gradient of mean((X @ w - y)^2) with respect to w: 2 X^T (X w - y) / N, shape (D,)."""
    return 2 * X.T @ (X @ w - y) / len(y)


def ridge_closed_form(X: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    """argmin_w mean((X @ w - y)^2) + lam * ||w||^2, i.e. (X^T X / N + lam I) w = X^T y / N; lam=0 is OLS."""
    import torch

    n, d = X.shape
    return torch.linalg.solve(X.T @ X / n + lam * torch.eye(d, dtype=X.dtype), X.T @ y / n)
