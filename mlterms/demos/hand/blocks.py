"""Transformer building blocks by hand: Q/K/V projections, scaled dot-product attention over heads,
layer norm, the feed-forward layer, and one encoder block in nn.TransformerEncoderLayer's layout.

Shapes are named (B, T, C): batch, tokens, channels (the model width); H heads of width C // H.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    import torch


def softmax_last(scores: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis: exp(s - max) / sum exp(s - max), so large scores cannot overflow."""
    e = (scores - scores.max(dim=-1, keepdim=True).values).exp()
    return e / e.sum(dim=-1, keepdim=True)


def project_qkv(x: torch.Tensor, w_in: torch.Tensor, b_in: torch.Tensor):
    """Q = X W_q^T + b_q, K = X W_k^T + b_k, V = X W_v^T + b_v, all from the same x (B, T, C).

    w_in (3C, C) stacks W_q, W_k, W_v in that order, as nn.MultiheadAttention's in_proj_weight."""
    w_q, w_k, w_v = w_in.chunk(3)  # (C, C) each
    b_q, b_k, b_v = b_in.chunk(3)  # (C,) each
    return x @ w_q.T + b_q, x @ w_k.T + b_k, x @ w_v.T + b_v  # (B, T, C) each


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: bool = True):
    """Scaled dot-product attention: weights = softmax(Q K^T / sqrt(d_k)), output = weights @ V.

    q (..., T, d_k), k (..., S, d_k), v (..., S, d_v) -> output (..., T, d_v), weights (..., T, S)."""
    scores = q @ k.transpose(-2, -1)  # (..., T, S): q_i . k_j
    if scale:
        scores = scores / math.sqrt(q.shape[-1])
    weights = softmax_last(scores)  # each row sums to 1
    return weights @ v, weights


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(B, T, C) -> (B, H, T, C // H): head h owns channels h*C/H .. (h+1)*C/H - 1."""
    B, T, C = x.shape
    return x.reshape(B, T, heads, C // heads).transpose(1, 2)


def self_attention(x, w_in, b_in, w_out, b_out, heads: int):
    """Multi-head self-attention of x (B, T, C) with nn.MultiheadAttention's weights.

    Returns the output (B, T, C) and the weights of every head (B, H, T, T)."""
    q, k, v = (split_heads(t, heads) for t in project_qkv(x, w_in, b_in))  # (B, H, T, C/H)
    out, weights = attend(q, k, v)  # (B, H, T, C/H), (B, H, T, T)
    concat = out.transpose(1, 2).reshape(x.shape)  # (B, T, C): the heads side by side
    return concat @ w_out.T + b_out, weights


def layer_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5):
    """Normalise each token over its C channels (biased variance), then scale and shift: (B, T, C)."""
    mean = x.mean(dim=-1, keepdim=True)  # (B, T, 1)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (B, T, 1) divides by C
    return (x - mean) / (var + eps).sqrt() * gamma + beta


def feed_forward(x, w1, b1, w2, b2):
    """The position-wise feed-forward layer: relu(x W1^T + b1) W2^T + b2, (B, T, C) -> (B, T, C).

    Returns the output and the hidden activations (B, T, d_ff); every token goes through it alone."""
    hidden = (x @ w1.T + b1).clamp(min=0)  # (B, T, d_ff)
    return hidden @ w2.T + b2, hidden


def encoder_block(x: torch.Tensor, p: Mapping[str, torch.Tensor], heads: int, norm_first: bool, eps=1e-5):
    """One transformer encoder block, eval mode (no dropout), ReLU, parameters named as in
    nn.TransformerEncoderLayer's state_dict. Returns the output and every step as (name, tensor).

    post-norm (norm_first=False): x = LN1(x + SA(x)); x = LN2(x + FF(x))
    pre-norm  (norm_first=True):  x = x + SA(LN1(x)); x = x + FF(LN2(x))"""

    attn = [
        p[f"self_attn.{n}"] for n in ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")
    ]
    ffw = [p[f"linear{i}.{n}"] for i in (1, 2) for n in ("weight", "bias")]

    def ln(t, i):
        return layer_norm(t, p[f"norm{i}.weight"], p[f"norm{i}.bias"], eps)

    a, weights = self_attention(ln(x, 1) if norm_first else x, *attn, heads)  # type: ignore[arg-type, call-arg]  # (B, T, C), (B, H, T, T)
    h = x + a if norm_first else ln(x + a, 1)  # residual around attention, (B, T, C)
    f, hidden = feed_forward(ln(h, 2) if norm_first else h, *ffw)  # (B, T, C), (B, T, d_ff)
    out = h + f if norm_first else ln(h + f, 2)  # residual around the feed-forward, (B, T, C)
    steps = [("x", x), ("attention weights", weights), ("self-attention output", a)]
    steps += [("after attention sublayer", h), ("feed-forward hidden", hidden), ("block output", out)]
    return out, steps
