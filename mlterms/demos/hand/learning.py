"""Ways of learning, by hand: a world of classes hidden among nuisance directions, closed-form
linear heads (ridge), nearest-class means and the InfoNCE loss.

The world: each class has a code in a few "signal" dimensions; an observation is its class's code
plus small noise, next to large nuisance noise shared by every class, all mixed by a rotation, so
no single input coordinate tells the classes apart. A representation that keeps the signal
directions and drops the nuisance is what pretraining, transfer and few-shot learning reuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def observe(
    codes: torch.Tensor, per_class: int, rot: torch.Tensor, spread: float = 0.3, nuisance: float = 2.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """per_class samples of each class: x = [code + spread * N(0, 1), nuisance * N(0, 1)] @ rot^T.

    codes: (K, S) one code per class; rot: (D, D) with D > S. Returns x (K * per_class, D), y (K * per_class,)."""
    import torch

    k, signal = codes.shape
    y = torch.arange(k).repeat_interleave(per_class)  # (n,)
    inside = codes[y] + spread * torch.randn(len(y), signal, dtype=codes.dtype)  # (n, S)
    outside = nuisance * torch.randn(len(y), rot.shape[0] - signal, dtype=codes.dtype)  # (n, D - S)
    return torch.cat([inside, outside], 1) @ rot.T, y  # (n, D)


def with_bias(x: torch.Tensor) -> torch.Tensor:
    """x (N, F) with a column of ones appended: (N, F + 1), so a linear head has a bias."""
    import torch

    return torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1)


def ridge(x: torch.Tensor, targets: torch.Tensor, lam: float) -> torch.Tensor:
    """argmin_W ||x W - targets||^2 + lam ||W||^2: W = (x^T x + lam I)^-1 x^T targets.

    x: (N, F), targets: (N, C) -> W: (F, C). With one-hot targets it is a linear classifier."""
    import torch

    gram = x.T @ x + lam * torch.eye(x.shape[1], dtype=x.dtype)  # (F, F)
    return torch.linalg.solve(gram, x.T @ targets)  # (F, C)


def one_hot(y: torch.Tensor, classes: int, dtype: torch.dtype) -> torch.Tensor:
    """Labels (N,) -> one-hot rows (N, classes)."""
    import torch

    return (y[:, None] == torch.arange(classes)[None, :]).to(dtype)


def accuracy(scores: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of scores (N, C) whose largest entry is at the label y (N,)."""
    return float((scores.argmax(-1) == y).double().mean())


def class_means(emb: torch.Tensor, y: torch.Tensor, classes: int) -> torch.Tensor:
    """The mean embedding of each class (a prototype): emb (N, E), y (N,) -> (classes, E)."""
    import torch

    sums = torch.zeros(classes, emb.shape[1], dtype=emb.dtype).index_add_(0, y, emb)  # (C, E)
    counts = torch.bincount(y, minlength=classes).to(emb.dtype)  # (C,)
    return sums / counts[:, None]


def info_nce(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """InfoNCE of paired views: row i of z1 should pick row i of z2 out of all rows of z2.

    z1, z2: (B, E), each row of unit length. logits s_ij = z1_i . z2_j / tau (B, B);
    loss = mean_i [ log sum_j exp(s_ij) - s_ii ], the cross-entropy with the diagonal as labels."""
    s = z1 @ z2.T / tau  # (B, B)
    top = s.max(1, keepdim=True).values  # (B, 1) subtracted for stability, added back below
    log_sum = (s - top).exp().sum(1).log() + top[:, 0]  # (B,)
    return (log_sum - s.diagonal()).mean()
