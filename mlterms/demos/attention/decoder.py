"""Decoder: one decoder-only block (masked self-attention) by hand against nn.TransformerEncoderLayer
with a causal mask, and one encoder-decoder block (plus cross-attention) against nn.TransformerDecoderLayer."""

from __future__ import annotations

from mlterms.demos.hand.heads import causal_additive, decoder_block
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

B, C, D_FF = 2, 8, 32  # batch, model width, feed-forward width


@demo(
    summary="A transformer decoder turns a sequence into the next tokens, one position at a time: masked "
    "self-attention (each token sees only earlier ones), cross-attention to an encoder's output in "
    "encoder-decoder models, and a feed-forward layer, each with a residual and LayerNorm; by hand "
    "against PyTorch's layers.",
    params=[
        Param("tokens", "int", 5, "T, decoder tokens", min=1, max=12),
        Param("source", "int", 4, "S, encoder tokens (the memory)", min=1, max=12),
        Param("heads", "choice", "2", "H, attention heads (they split the width C = 8)", choices=("1", "2", "4")),
    ],
)  # fmt: skip
def run(r: Report, *, tokens: int, source: int, heads: str) -> None:
    import torch

    H = int(heads)
    x = torch.randn(B, tokens, C, dtype=torch.float64)  # (B, T, C) decoder input
    memory = torch.randn(B, source, C, dtype=torch.float64)  # (B, S, C) encoder output
    decoder_only(r, x, H)
    encoder_decoder(r, x, memory, H)


def moved(layer) -> dict:
    """The layer's parameters, with every one of them (biases, LayerNorms) moved off its start."""
    import torch

    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return {k: v.detach() for k, v in layer.state_dict().items()}


def decoder_only(r: Report, x, H: int) -> None:
    import torch
    from torch import nn

    s = r.section("decoder-only (GPT-style): h = LN1(x + MaskedSA(x)); out = LN2(h + FF(h))")
    T = x.shape[1]
    layer = nn.TransformerEncoderLayer(C, H, D_FF, dropout=0.0, batch_first=True, dtype=torch.float64).eval()
    p = moved(layer)
    out, weights = decoder_block(x, p, H)  # (B, T, C), (B, H, T, T)
    mask = causal_additive(T)
    with torch.no_grad():
        ref = layer(x, src_mask=mask, is_causal=True)
        unmasked = layer(x)
    labels = [f"t{i}" for i in range(T)]
    s.heatmap("masked self-attention, head 0, sequence 0", weights[0, 0], labels, labels)
    s.table(
        ["same weights in nn.TransformerEncoderLayer", "max |diff| from by hand"],
        [["with the causal mask", (out - ref).abs().max()],
         ["without a mask (an encoder block)", (out - unmasked).abs().max()]],
    )  # fmt: skip
    s.note(
        "A decoder-only block is an encoder block with the causal mask: same weights, same layout, but "
        "each token's output depends on tokens 0..t only, so the output at t can be trained to predict "
        "token t + 1. Without the mask (an encoder, as in BERT) every token sees the whole sequence. "
        "The last token's output is the same with or without the mask: it sees everything anyway."
    )
    r.check_close(
        "decoder-only block by hand == nn.TransformerEncoderLayer(src_mask=causal)", out, ref, 1e-10
    )
    last = (out[:, -1] - unmasked[:, -1]).abs().max()
    r.check(
        "the last token's output is the same with and without the mask",
        float(last) < 1e-10,
        f"max difference {float(last):.1e}",
        kind="property",
    )
    r.exercise(
        "keys-seen",
        "In a decoder-only block, how many tokens does the token at position t (counting from 0) attend to?",
        int((weights[0, 0, T - 1] > 0).sum()),
        given={"t": T - 1, "T": T},
    )


def encoder_decoder(r: Report, x, memory, H: int) -> None:
    import torch
    from torch import nn

    s = r.section("encoder-decoder: masked self-attention, then cross-attention to the encoder's output")
    T, S = x.shape[1], memory.shape[1]
    layer = nn.TransformerDecoderLayer(C, H, D_FF, dropout=0.0, batch_first=True, dtype=torch.float64).eval()
    p = moved(layer)
    out, _ = decoder_block(x, p, H, memory)  # (B, T, C)
    with torch.no_grad():
        ref = layer(x, memory, tgt_mask=causal_additive(T), tgt_is_causal=True)
        _, cross = layer.multihead_attn(x, memory, memory, average_attn_weights=False)  # (B, H, T, S)
    s.table(
        ["sublayer", "queries from", "keys and values from", "mask"],
        [["1. masked self-attention", f"decoder (T = {T})", f"decoder (T = {T})", "causal"],
         ["2. cross-attention", f"decoder (T = {T})", f"encoder memory (S = {S})", "none"],
         ["3. feed-forward", "each token alone", "-", "-"]],
        title="post-norm: each sublayer is x = LN(x + sublayer(x))",
    )  # fmt: skip
    s.note(
        "In translation the encoder reads the whole source sentence (no mask) and the decoder writes the "
        "target: it may look at ALL source tokens but only at the target tokens already written."
    )
    r.check_close(
        "encoder-decoder block by hand == nn.TransformerDecoderLayer(tgt_mask=causal)", out, ref, 1e-10
    )
    x2, m2 = x.clone(), memory.clone()
    x2[:, -1] += 1.0  # the last decoder token
    m2[:, -1] += 1.0  # the last source token
    with torch.no_grad():
        diff = layer(x2, memory, tgt_mask=causal_additive(T))[:, :-1] - ref[:, :-1]  # (B, T - 1, C)
        by_target = diff.abs().max() if T > 1 else torch.zeros(())
        by_source = (layer(x, m2, tgt_mask=causal_additive(T))[:, 0] - ref[:, 0]).abs().max()
    s.table(
        ["change", "max change of the earlier decoder outputs"],
        [["the last decoder token", by_target], ["the last SOURCE token (output 0)", by_source]],
    )
    r.check(
        "earlier decoder outputs ignore later decoder tokens but see every source token",
        float(by_target) < 1e-10 and float(by_source) > 1e-6,
        f"{float(by_target):.1e} for the target, {float(by_source):.1e} for the source",
        kind="property",
    )
    r.exercise(
        "cross-weights-shape",
        "Cross-attention of T decoder tokens over S encoder tokens, H heads, batch B: the weights' shape?",
        tuple(cross.shape),
        given={"B": B, "H": H, "T": T, "S": S},
    )
