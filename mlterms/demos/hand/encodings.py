"""Representations by hand: one-hot codes, row lookups and cosine similarity, with plain loops."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def one_hot(labels: torch.Tensor, k: int) -> torch.Tensor:
    """(N,) integer labels in 0..k-1 -> (N, k) float64: a 1 in column labels[i] of row i, 0 elsewhere."""
    import torch

    out = torch.zeros(len(labels), k, dtype=torch.float64)
    for i, c in enumerate(labels.tolist()):
        out[i, c] = 1.0
    return out


def lookup(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Rows of table (V, D) picked by ids (N,) with a loop: (N, D)."""
    import torch

    return torch.stack([table[i] for i in ids.tolist()])


def cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarity between every row of a (N, D) and every row of b (M, D): (N, M).

    cos(u, v) = u . v / (|u| |v|): 1 for the same direction, 0 for orthogonal, -1 for opposite."""
    return (a @ b.T) / (a.norm(dim=1)[:, None] * b.norm(dim=1)[None, :])
