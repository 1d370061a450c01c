"""Attention by hand: scaled dot-product attention, masks, and multi-head self-attention.

Laid out like PyTorch (`F.scaled_dot_product_attention`, `nn.MultiheadAttention`), so the demos
can copy one set of weights into both and compare. (A softmax by hand for the softmax demo lives
in hand/activations.py; here `torch.softmax` does that step.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def causal_allowed(length: int) -> torch.Tensor:
    """(L, L) boolean, True where query i may look at key j: j <= i, itself included."""
    import torch

    return torch.ones(length, length, dtype=torch.bool).tril()


def attention_by_hand(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    allowed: torch.Tensor | None = None,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T * scale) v for one sequence; scale defaults to 1/sqrt(d_k).

    q (L, d_k), k (S, d_k), v (S, d_v); allowed (L, S) is True where query i may see key j.
    Returns the output (L, d_v) and the weights (L, S).
    """
    import torch

    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    scores = (q[:, None, :] * k[None, :, :]).sum(-1) * scale  # (L, S): q_i · k_j * scale
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))  # exp(-inf) = 0: no weight
    w = torch.softmax(scores, dim=-1)  # (L, S), each row sums to 1
    out = (w[:, :, None] * v[None, :, :]).sum(1)  # (L, d_v): out_i = sum_j w_ij v_j
    return out, w


def self_attention_by_hand(
    x: torch.Tensor,
    w_in: torch.Tensor,
    b_in: torch.Tensor,
    w_out: torch.Tensor,
    b_out: torch.Tensor,
    heads: int,
    causal: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multi-head self-attention of one sequence x (L, E), with nn.MultiheadAttention's weights.

    w_in (3E, E) stacks W_q, W_k, W_v; b_in (3E,); w_out (E, E); b_out (E,).
    Returns the output (L, E) and the weights (heads, L, L).
    """
    import torch

    L, E = x.shape
    wq, wk, wv = w_in.chunk(3)  # each (E, E)
    bq, bk, bv = b_in.chunk(3)  # each (E,)
    q, k, v = x @ wq.T + bq, x @ wk.T + bk, x @ wv.T + bv  # (L, E) each: all from the SAME x
    allowed = causal_allowed(L) if causal else None
    dh = E // heads
    outs, weights = [], []
    for h in range(heads):  # each head attends within its own dh-wide slice
        cols = slice(h * dh, (h + 1) * dh)
        o, w = attention_by_hand(q[:, cols], k[:, cols], v[:, cols], allowed)  # (L, dh), (L, L)
        outs.append(o)
        weights.append(w)
    concat = torch.cat(outs, dim=-1)  # (L, E)
    return concat @ w_out.T + b_out, torch.stack(weights)
