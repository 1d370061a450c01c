"""Transformer: one encoder block by hand (self-attention, residuals, LayerNorm, feed-forward)
against nn.TransformerEncoderLayer, its shapes step by step, and why it needs positions."""

from __future__ import annotations

import math

from mlterms.demos.hand.blocks import encoder_block
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

B, C, D_FF = 2, 8, 16  # batch, model width, feed-forward width

FORMULAS = {
    "post": {
        "x": "input tokens",
        "attention weights": "softmax(Q K^T / sqrt(C/H)) per head",
        "self-attention output": "concat(heads) W_o^T + b_o",
        "after attention sublayer": "LN1(x + SA(x))",
        "feed-forward hidden": "relu(h W1^T + b1)",
        "block output": "LN2(h + FF(h))",
    },
    "pre": {
        "x": "input tokens",
        "attention weights": "softmax(Q K^T / sqrt(C/H)) per head, of LN1(x)",
        "self-attention output": "SA(LN1(x))",
        "after attention sublayer": "x + SA(LN1(x))",
        "feed-forward hidden": "relu(LN2(h) W1^T + b1)",
        "block output": "h + FF(LN2(h))",
    },
}


@demo(
    summary="A transformer is built from self-attention plus a small feed-forward layer, each wrapped in "
    "a residual connection and layer normalization, with no recurrence: one block by hand against "
    "nn.TransformerEncoderLayer, and why order must come from positional encodings.",
    params=[
        Param("tokens", "int", 5, "T, tokens per sequence", min=2, max=12),
        Param("heads", "choice", "2", "H, attention heads (they split the width C = 8)", choices=("1", "2", "4", "8")),
        Param("norm", "choice", "post", "where LayerNorm sits: after each residual (post) or before (pre)",
              choices=("post", "pre")),
    ],
)  # fmt: skip
def run(r: Report, *, tokens: int, heads: str, norm: str) -> None:
    import torch
    from torch import nn

    H, T = int(heads), tokens
    layer = nn.TransformerEncoderLayer(
        C,
        H,
        dim_feedforward=D_FF,
        dropout=0.0,
        batch_first=True,
        norm_first=norm == "pre",
        dtype=torch.float64,
    ).eval()
    with torch.no_grad():  # LayerNorm starts at gamma = 1, beta = 0: move them, so that they are tested
        for ln in (layer.norm1, layer.norm2):
            ln.weight.add_(0.3 * torch.randn(C, dtype=torch.float64))
            ln.bias.add_(0.3 * torch.randn(C, dtype=torch.float64))
    params = {k: v.detach() for k, v in layer.state_dict().items()}
    x = torch.randn(B, T, C, dtype=torch.float64)  # (B, T, C)
    block_by_hand(r, layer, params, x, H, norm)
    parameter_count(r, layer, H)
    order(r, layer, x)


def block_by_hand(r: Report, layer, params, x, H: int, norm: str) -> None:
    import torch

    s = r.section(f"one block, step by step ({norm}-norm): every step keeps (B, T, C)")
    out, steps = encoder_block(x, params, H, norm_first=norm == "pre")
    s.table(
        ["step", "formula", "shape"],
        [[name, FORMULAS[norm][name], str(tuple(t.shape))] for name, t in steps],
        title=f"B = {B} sequences, T = {x.shape[1]} tokens, C = {C} channels, H = {H} heads",
    )
    s.note(
        "The attention weights are the only place where tokens meet: (B, H, T, T), one row per query "
        "token. Everything else (the residual additions, LayerNorm over the C channels, the feed-forward "
        "layer C -> d_ff -> C) acts on each token alone. The residual x + f(x) needs f(x) to keep the "
        "shape (B, T, C), which is why a block can be stacked any number of times."
    )
    s.tensor("block output, sequence 0 (T, C)", out[0])
    with torch.no_grad():
        ref = layer(x)
        attn_in = layer.norm1(x) if norm == "pre" else x
        _, ref_w = layer.self_attn(attn_in, attn_in, attn_in, average_attn_weights=False)
    r.check_close("attention weights by hand == nn.MultiheadAttention (per head)", steps[1][1], ref_w, 1e-12)
    r.check_close(
        f"{norm}-norm block by hand == nn.TransformerEncoderLayer (eval, dropout 0)", out, ref, 1e-10
    )
    other, _ = encoder_block(x, params, H, norm_first=norm != "pre")
    s.table(
        ["same weights, LayerNorm placed", "max |output difference| from nn.TransformerEncoderLayer"],
        [[norm, (out - ref).abs().max()], ["pre" if norm == "post" else "post", (other - ref).abs().max()]],
    )
    s.note(
        "norm_first=False (the default, as in the 2017 paper) normalises after each residual sum; "
        "norm_first=True (pre-norm, common in GPT-style models) normalises the sublayer's input and keeps "
        "the residual path free of normalisation. Same parameters, another function."
    )
    r.check(
        f"every head's attention rows sum to 1 (softmax over the {x.shape[1]} keys)",
        bool(torch.allclose(steps[1][1].sum(-1), torch.ones(()).double(), atol=1e-12)),
        kind="property",
    )
    r.exercise(
        "weights-shape",
        "A batch of B sequences of T tokens, width C, H heads: what is the shape of the attention weights?",
        tuple(steps[1][1].shape),
        given={"B": B, "T": x.shape[1], "C": C, "H": H},
    )


def parameter_count(r: Report, layer, H: int) -> None:
    s = r.section("where the parameters are")
    rows = [
        ["attention: W_q, W_k, W_v (3C x C) + biases", 3 * C * C + 3 * C],
        ["attention: output projection W_o (C x C) + bias", C * C + C],
        ["feed-forward: C -> d_ff -> C + biases", 2 * C * D_FF + D_FF + C],
        ["two LayerNorms: gamma, beta (C each)", 4 * C],
    ]
    total = sum(row[1] for row in rows)  # type: ignore[misc]
    s.table(["part", "parameters"], [*rows, ["total, by formula", total]], title=f"C = {C}, d_ff = {D_FF}")
    numel = sum(p.numel() for p in layer.parameters())
    r.check_equal("parameters by formula == sum of numel over the layer", total, numel, kind="reference")
    s.note(
        f"The count does not depend on T (any sequence length) nor on H: {H} head(s) split the same "
        "C x C projections into slices. Multi-head attention gives each head its own Q, K, V slice."
    )
    r.exercise(
        "block-parameters",
        "How many parameters has one encoder block of width C with feed-forward width d_ff?",
        total,
        given={"C": C, "d_ff": D_FF},
    )


def sinusoidal_positions(T: int, width: int):
    """The 2017 paper's encodings (T, width): sin(t / 10000^(2i/width)) at 2i, cos at 2i + 1."""
    import torch

    t = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    freq = 10000.0 ** (-torch.arange(0, width, 2, dtype=torch.float64) / width)  # (width/2,)
    pe = torch.zeros(T, width, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(t * freq), torch.cos(t * freq)
    return pe


def order(r: Report, layer, x) -> None:
    import torch

    s = r.section("no recurrence: without positions the block cannot see order")
    T = x.shape[1]
    perm = torch.randperm(T)
    if bool((perm == torch.arange(T)).all()):
        perm = perm.roll(1)  # a shuffle that moves something
    with torch.no_grad():
        y, y_perm = layer(x), layer(x[:, perm])
        pe = sinusoidal_positions(T, C)  # (T, C), added to every sequence of the batch
        z, z_perm = layer(x + pe), layer(x[:, perm] + pe)
    s.tensor("shuffle of the tokens", perm)
    moved = (z_perm - z[:, perm]).abs().max()
    s.table(
        ["input", "max |block(shuffled x) - shuffled block(x)|"],
        [["token embeddings only", (y_perm - y[:, perm]).abs().max()], ["+ positional encodings", moved]],
    )
    s.note(
        "Every position is processed in parallel by the same weights, and attention is a weighted sum "
        "over a SET of tokens: shuffle the tokens and the outputs come out shuffled the same way "
        "(permutation equivariance). 'dog bites man' and 'man bites dog' give each word the same vector. "
        "Adding a different vector per position (here the sinusoidal encodings of the 2017 paper) "
        "breaks the symmetry: that is where order comes from."
    )
    r.check_close(
        "block(x shuffled) == block(x) shuffled, without positions",
        y_perm,
        y[:, perm],
        1e-10,
        kind="property",
    )
    norms = pe.norm(dim=1)  # sin^2 + cos^2 = 1 per frequency pair: every row has norm sqrt(C / 2)
    r.check_close(
        "every sinusoidal position vector has norm sqrt(C/2)",
        norms,
        torch.full((T,), math.sqrt(C / 2), dtype=torch.float64),
        1e-12,
        kind="property",
    )
    r.check(
        "with positions added, shuffling changes the outputs, not just their order",
        float(moved) > 1e-6,
        f"max difference {float(moved):.2e}",
        kind="property",
    )
