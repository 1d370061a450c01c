"""Self-attention: Q, K and V from one sequence, several heads, and the causal mask."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.hand.attention import causal_allowed, self_attention_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

    # nn.MultiheadAttention's (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias)
    Weights = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]

E, HEADS = 8, 2  # embedding width, heads


@demo(
    summary="Self-attention is attention where queries, keys and values all come from the same sequence: "
    "each position attends to every position (only earlier ones under a causal mask), and the output "
    "is a sequence of the same length; by hand and by nn.MultiheadAttention.",
    params=[Param("length", "int", 4, "L, tokens in the sequence", min=2, max=12)],
)
def run(r: Report, *, length: int) -> None:
    import torch
    import torch.nn as nn

    f64 = torch.float64
    x = torch.randn(1, length, E, dtype=f64)  # (N, L, E): L tokens of width E
    w_in = torch.randn(3 * E, E, dtype=f64) / math.sqrt(E)  # (3E, E) = [W_q; W_k; W_v]
    b_in = 0.1 * torch.randn(3 * E, dtype=f64)  # (3E,)
    w_out = torch.randn(E, E, dtype=f64) / math.sqrt(E)  # (E, E)
    b_out = 0.1 * torch.randn(E, dtype=f64)  # (E,)
    mha = nn.MultiheadAttention(E, HEADS, batch_first=True, dtype=f64)
    with torch.no_grad():  # the same weights in PyTorch's module
        mha.in_proj_weight.copy_(w_in)
        mha.in_proj_bias.copy_(b_in)
        mha.out_proj.weight.copy_(w_out)
        mha.out_proj.bias.copy_(b_out)
    weights = (w_in, b_in, w_out, b_out)
    unmasked(r, mha, x, weights)
    causal(r, mha, x, weights)
    r.exercise(
        "causal-nonzero",
        "Under a causal mask, how many of one head's L x L attention weights can be nonzero?",
        length * (length + 1) // 2,
        given={"L": length},
    )
    r.exercise(
        "head-width",
        "nn.MultiheadAttention(embed_dim=E, num_heads=h): how wide are each head's queries?",
        E // HEADS,
        given={"E": E, "h": HEADS},
    )


def unmasked(r: Report, mha, x, weights: Weights) -> None:
    s = r.section("1. Q, K, V from the same sequence")
    s.note(
        "'Self' means queries, keys and values are all linear projections of the SAME sequence x "
        "(in cross-attention the keys and values come from another sequence). "
        f"{HEADS} heads each attend within their own {E // HEADS}-wide slice; their outputs are "
        "concatenated and mixed by the output projection. The output has one row per token: the same "
        "length as the input, each row now mixed with context."
    )
    L = x.shape[1]
    s.tensor(f"x (L={L} tokens, E={E})", x[0])
    out, w = self_attention_by_hand(x[0], *weights, HEADS)  # (L, E), (heads, L, L)
    ref, ref_w = mha(x, x, x, need_weights=True, average_attn_weights=False)  # (1, L, E), (1, h, L, L)
    s.tensor(f"output (L={L} tokens, E={E})", out)
    labels = [f"t{i}" for i in range(L)]
    s.heatmap("head 0 weights, no mask", w[0], rows=labels, cols=labels)
    r.check_close("by hand == nn.MultiheadAttention (output)", out, ref[0].detach(), atol=1e-12)
    r.check_close("by hand == nn.MultiheadAttention (per-head weights)", w, ref_w[0].detach(), atol=1e-12)


def causal(r: Report, mha, x, weights: Weights) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("2. causal mask: token t sees only tokens 0..t")
    s.note(
        "A decoder (GPT-style) sets the scores above the diagonal to -inf before the softmax, so no "
        "token can read the future. Beware the opposite conventions: nn.MultiheadAttention's boolean "
        "attn_mask is True where attention is BLOCKED, F.scaled_dot_product_attention's is True where "
        "it is ALLOWED (and is_causal=True builds the mask for you)."
    )
    L = x.shape[1]
    allowed = causal_allowed(L)  # (L, L) True on and below the diagonal
    out, w = self_attention_by_hand(x[0], *weights, HEADS)
    out_c, w_c = self_attention_by_hand(x[0], *weights, HEADS, causal=True)
    blocked = torch.ones(L, L, dtype=torch.bool).triu(1)  # PyTorch's convention: True = may NOT look
    ref_c, ref_w = mha(x, x, x, attn_mask=blocked, need_weights=True, average_attn_weights=False)
    labels = [f"t{i}" for i in range(L)]
    s.heatmap("head 0 weights, causal", w_c[0], rows=labels, cols=labels)
    r.check_close(
        "causal: by hand == nn.MultiheadAttention(attn_mask) (output)", out_c, ref_c[0].detach(), atol=1e-12
    )
    r.check_close(
        "causal: by hand == nn.MultiheadAttention(attn_mask) (weights)", w_c, ref_w[0].detach(), atol=1e-12
    )
    w_in, b_in = weights[0], weights[1]
    qkv = (x[0] @ w_in.T + b_in).reshape(L, 3, HEADS, E // HEADS).permute(1, 2, 0, 3)  # (3, h, L, dh)
    heads_out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=True)  # (h, L, dh)
    r.check_close(
        "causal head outputs: by-hand weights @ V == F.scaled_dot_product_attention(is_causal=True)",
        w_c @ qkv[2],
        heads_out,
        atol=1e-12,
    )
    r.check(
        "causal weights above the diagonal are exactly 0",
        bool((w_c[:, ~allowed] == 0).all()),
        kind="property",
    )

    x2 = x[0].clone()
    x2[-1] = torch.randn(E, dtype=x.dtype)  # change only the last token
    moved = (self_attention_by_hand(x2, *weights, HEADS)[0][:-1] - out[:-1]).abs().max()
    moved_c = (self_attention_by_hand(x2, *weights, HEADS, causal=True)[0][:-1] - out_c[:-1]).abs().max()
    s.table(
        ["mask", f"max change in the outputs of tokens 0..{L - 2}"],
        [["none", moved], ["causal", moved_c]],
        title="change only the last token",
    )
    r.check(
        "causal: earlier outputs ignore the last token",
        float(moved_c) < 1e-12,
        f"max change {float(moved_c):.1e} (without the mask {float(moved):.1e})",
        kind="property",
    )
