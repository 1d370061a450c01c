"""Classic methods by hand, in tensors: toy 2-D data, distances, nearest neighbours, k-means.

Callers pass float64 tensors; labels are int64. Randomness comes from the global generator
(the registry seeds it), so a demo's data is fixed by its seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def blobs(n: int, centers: torch.Tensor, spread: float) -> tuple[torch.Tensor, torch.Tensor]:
    """n points per center, Gaussian with std `spread` around it; centers (K, D).

    Returns x (K * n, D) in shuffled order and its labels (K * n,): the index of the center."""
    import torch

    k, d = centers.shape
    labels = torch.arange(k).repeat_interleave(n)  # (K * n,)
    x = centers[labels] + spread * torch.randn(k * n, d, dtype=centers.dtype)  # (K * n, D)
    order = torch.randperm(k * n)
    return x[order], labels[order]


def squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """||a_i - b_j||^2 for a (N, D), b (M, D), as |a|^2 - 2 a.b + |b|^2: (N, M), clamped at 0."""
    cross = a @ b.T  # (N, M)
    return (a.pow(2).sum(1, keepdim=True) - 2 * cross + b.pow(2).sum(1)).clamp_min(0)


def knn_predict(train_x: torch.Tensor, train_y: torch.Tensor, x: torch.Tensor, k: int) -> torch.Tensor:
    """The majority label among the k nearest training points of each row of x: (M,).

    Votes are counted per class; a tie goes to the class with the smaller index."""
    import torch

    near = squared_distances(x, train_x).argsort(dim=1, stable=True)[:, :k]  # (M, k)
    classes = int(train_y.max()) + 1
    votes = torch.zeros(len(x), classes, dtype=torch.int64)  # (M, C)
    votes.scatter_add_(1, train_y[near], torch.ones_like(near))
    return votes.argmax(dim=1)  # argmax returns the first maximum: the smaller class on a tie


def kmeans_step(x: torch.Tensor, centers: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """One Lloyd iteration: assign each point to its nearest center, then move each center to
    the mean of its points (a center with no points stays put).

    Returns (new centers (K, D), assignment (N,), inertia of that assignment to the OLD centers)."""
    import torch

    d2 = squared_distances(x, centers)  # (N, K)
    assign = d2.argmin(dim=1)  # (N,)
    inertia = float(d2.gather(1, assign[:, None]).sum())
    k = len(centers)
    sums = torch.zeros_like(centers).index_add_(0, assign, x)  # (K, D)
    counts = torch.bincount(assign, minlength=k).to(x.dtype)  # (K,)
    empty = counts == 0
    new = torch.where(empty[:, None], centers, sums / counts.clamp_min(1)[:, None])
    return new, assign, inertia


def inertia(x: torch.Tensor, centers: torch.Tensor) -> float:
    """Sum over points of the squared distance to the nearest center."""
    return float(squared_distances(x, centers).min(dim=1).values.sum())


def accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of predictions equal to the labels."""
    return float((predicted == labels).double().mean())
