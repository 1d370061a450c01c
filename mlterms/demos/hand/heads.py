"""Transformer pieces by hand, batched: multi-head attention of a query sequence over a source
sequence (itself, or an encoder's output), the causal mask, sinusoidal positions, and one decoder
block in the layout of nn.TransformerEncoderLayer / nn.TransformerDecoderLayer (post-norm, ReLU).

Shapes are (B, T, C) for queries, (B, S, C) for keys and values; H heads of width C // H.
Builds on hand/blocks.py (split_heads, softmax_last, layer_norm, feed_forward).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.hand.blocks import feed_forward, layer_norm, softmax_last, split_heads

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import torch


def sinusoidal(T: int, width: int) -> torch.Tensor:
    """(T, width) float64: PE[t, 2i] = sin(t / 10000^(2i/width)), PE[t, 2i + 1] = cos(same angle)."""
    import torch

    t = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    freq = 10000.0 ** (-torch.arange(0, width, 2, dtype=torch.float64) / width)  # (width / 2,)
    pe = torch.zeros(T, width, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(t * freq), torch.cos(t * freq)
    return pe


def causal_additive(T: int, dtype=None) -> torch.Tensor:
    """(T, T) additive mask: 0 where query i may see key j (j <= i), -inf above the diagonal."""
    import torch

    return torch.full((T, T), float("-inf"), dtype=dtype or torch.float64).triu(1)


def heads_attention(q, k, v, heads: int, mask=None):
    """Attention of projected q (B, T, C) over k, v (B, S, C), H heads side by side.

    mask: None, or an additive (T, S) mask (0 or -inf) put on the scores before the softmax.
    Returns the concatenated head outputs (B, T, C) and the weights (B, H, T, S)."""
    qh, kh, vh = split_heads(q, heads), split_heads(k, heads), split_heads(v, heads)  # (B, H, ., C/H)
    scores = qh @ kh.transpose(-2, -1) / math.sqrt(qh.shape[-1])  # (B, H, T, S)
    if mask is not None:
        scores = scores + mask  # -inf above the diagonal: exp(-inf) = 0 weight
    weights = softmax_last(scores)
    out = (weights @ vh).transpose(1, 2).reshape(q.shape)  # (B, T, C): heads concatenated
    return out, weights


def multi_head(query, source, w: Sequence[torch.Tensor], heads: int, causal: bool = False):
    """nn.MultiheadAttention(query, source, source) by hand, w = its (in_proj_weight, in_proj_bias,
    out_proj.weight, out_proj.bias): w_in (3C, C) = [W_q; W_k; W_v], b_in (3C,), W_o (C, C), b_o (C,).

    query (B, T, C) makes the queries, source (B, S, C) the keys and values (source = query for
    self-attention). Returns the output (B, T, C) and the weights (B, H, T, S)."""
    w_in, b_in, w_out, b_out = w
    w_q, w_k, w_v = w_in.chunk(3)  # (C, C) each
    b_q, b_k, b_v = b_in.chunk(3)  # (C,) each
    q = query @ w_q.T + b_q  # (B, T, C)
    k, v = source @ w_k.T + b_k, source @ w_v.T + b_v  # (B, S, C)
    mask = causal_additive(query.shape[1], query.dtype) if causal else None
    out, weights = heads_attention(q, k, v, heads, mask)
    return out @ w_out.T + b_out, weights


def attention_params(p: Mapping[str, torch.Tensor], name: str) -> list[torch.Tensor]:
    """The four tensors of nn.MultiheadAttention `name` in a layer's state_dict."""
    return [p[f"{name}.{n}"] for n in ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")]


def decoder_block(x, p: Mapping[str, torch.Tensor], heads: int, memory=None, eps: float = 1e-5):
    """One post-norm decoder block, eval mode, parameters named as in PyTorch's state_dict.

    Without memory (decoder-only, nn.TransformerEncoderLayer with a causal mask):
        h = LN1(x + MaskedSA(x)); out = LN2(h + FF(h))
    With memory (B, S, C) from an encoder (nn.TransformerDecoderLayer):
        h = LN1(x + MaskedSA(x)); g = LN2(h + CrossAttn(h, memory)); out = LN3(g + FF(g))
    Returns the output (B, T, C) and the masked self-attention weights (B, H, T, T)."""

    def ln(t, i):
        return layer_norm(t, p[f"norm{i}.weight"], p[f"norm{i}.bias"], eps)

    a, weights = multi_head(x, x, attention_params(p, "self_attn"), heads, causal=True)
    h = ln(x + a, 1)
    if memory is not None:  # cross-attention: queries from the decoder, keys and values from memory
        c, _ = multi_head(h, memory, attention_params(p, "multihead_attn"), heads)
        h = ln(h + c, 2)
    ffw = [p[f"linear{i}.{n}"] for i in (1, 2) for n in ("weight", "bias")]
    f, _ = feed_forward(h, *ffw)
    return ln(h + f, 2 if memory is None else 3), weights
