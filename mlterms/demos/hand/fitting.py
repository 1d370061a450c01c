"""Polynomial regression by hand: features, the normal equations, and a small noisy dataset.

The features are Legendre polynomials of x in [-1, 1] rather than powers x^k: the same models
(every polynomial of degree <= d), but the columns are nearly orthogonal, so the normal
equations stay well conditioned up to degree 15 or so in float64.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def true_curve(x: torch.Tensor) -> torch.Tensor:
    """The pattern to be learned: sin(pi x) on [-1, 1]."""
    return (math.pi * x).sin()


def noisy_sample(n: int, noise: float) -> tuple[torch.Tensor, torch.Tensor]:
    """n points, y = sin(pi x) + noise * N(0, 1), from the global generator.

    x is uniform on [-1, 1] but stratified: one point drawn uniformly in each of n equal slots,
    so a small sample has no wide gaps (a gap lets a high-degree fit swing without bound, and
    makes the normal equations ill conditioned). Taken over the slots, x is still Uniform(-1, 1).
    """
    import torch

    slot = torch.arange(n, dtype=torch.float64)  # (n,)
    x = -1 + 2 * (slot + torch.rand(n, dtype=torch.float64)) / n  # (n,) sorted, in [-1, 1]
    return x, true_curve(x) + noise * torch.randn(n, dtype=torch.float64)


def legendre_features(x: torch.Tensor, degree: int) -> torch.Tensor:
    """Columns P_0(x) .. P_degree(x) by the recurrence (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}."""
    import torch

    cols = [torch.ones_like(x), x][: degree + 1]
    for k in range(1, degree):
        cols.append(((2 * k + 1) * x * cols[k] - k * cols[k - 1]) / (k + 1))
    return torch.stack(cols, dim=1)  # (N, degree + 1)


def normal_equations(X: torch.Tensor, y: torch.Tensor, lam: float = 0.0) -> torch.Tensor:
    """argmin_w mean((X w - y)^2) + lam ||w||^2: solve (X^T X / N + lam I) w = X^T y / N."""
    import torch

    n, d = X.shape
    A = X.T @ X / n + lam * torch.eye(d, dtype=X.dtype)  # (D, D)
    return torch.linalg.solve(A, X.T @ y / n)  # (D,)


def fit_polynomial(x: torch.Tensor, y: torch.Tensor, degree: int, lam: float = 0.0) -> torch.Tensor:
    """The least-squares (or ridge) coefficients of a degree-`degree` polynomial, Legendre basis."""
    return normal_equations(legendre_features(x, degree), y, lam)


def mse_of(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error of the polynomial with Legendre coefficients w on the points (x, y)."""
    degree = len(w) - 1
    return float(((legendre_features(x, degree) @ w - y) ** 2).mean())


def gd_steps(X: torch.Tensor, y: torch.Tensor, lr: float, steps: int) -> list[torch.Tensor]:
    """Plain gradient descent on mean((X w - y)^2) from w = 0; the weights after each step."""
    import torch

    w = torch.zeros(X.shape[1], dtype=X.dtype)  # (D,)
    path = []
    for _ in range(steps):
        w = w - lr * 2 * X.T @ (X @ w - y) / len(y)
        path.append(w)
    return path


def degree_sweep(
    train: tuple[torch.Tensor, torch.Tensor], held_out: tuple[torch.Tensor, torch.Tensor], degrees: range
) -> list[tuple[float, float]]:
    """(training MSE, held-out MSE) of the least-squares polynomial of each degree, fitted on train."""
    rows = []
    for d in degrees:
        w = fit_polynomial(*train, d)
        rows.append((mse_of(w, *train), mse_of(w, *held_out)))
    return rows


def noisy_samples(sets: int, n: int, noise: float) -> tuple[torch.Tensor, torch.Tensor]:
    """`sets` independent draws of `noisy_sample(n, noise)` at once: x and y, (sets, n) each."""
    import torch

    slot = torch.arange(n, dtype=torch.float64)  # (n,)
    x = -1 + 2 * (slot + torch.rand(sets, n, dtype=torch.float64)) / n  # (sets, n), stratified per row
    return x, true_curve(x) + noise * torch.randn(sets, n, dtype=torch.float64)
