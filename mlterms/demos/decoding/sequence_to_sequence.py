"""Sequence to sequence: a GRU encoder squeezes the source into one context vector, a GRU decoder unrolls it."""

from __future__ import annotations

from mlterms.demos.hand.rnn import gru_cell_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

V, E, HID, B = 7, 3, 4, 2  # vocabulary, embedding size, hidden units, batch


@demo(
    summary="A sequence-to-sequence model maps an input sequence to an output sequence of another length: "
    "an encoder reads the source into a fixed-size context, and a decoder generates the target from it "
    "one token at a time.",
    params=[
        Param("source_len", "int", 5, "S, tokens in each source sequence", min=1, max=40),
        Param("target_len", "int", 3, "T, tokens in each target sequence", min=1, max=20),
    ],
)
def run(r: Report, *, source_len: int, target_len: int) -> None:
    import torch
    import torch.nn as nn

    f64 = torch.float64
    emb = nn.Embedding(V, E, dtype=f64)
    enc, dec = nn.GRU(E, HID, batch_first=True, dtype=f64), nn.GRU(E, HID, batch_first=True, dtype=f64)
    head = nn.Linear(HID, V, dtype=f64)
    src = torch.randint(0, V, (B, source_len))  # (B, S) token ids
    tgt_in = torch.randint(0, V, (B, target_len))  # (B, T) the decoder's inputs (teacher-forced)
    with torch.no_grad():
        enc_out, context = enc(emb(src))  # (B, S, H), (1, B, H)
        dec_out, _ = dec(emb(tgt_in), context)  # (B, T, H): the context is the decoder's h_0
        logits = head(dec_out)  # (B, T, V)
        by_hand(r, emb, enc, dec, head, src, tgt_in, context, logits)
        shapes(r, src, tgt_in, enc_out, context, dec_out, logits)
        bottleneck(r, emb, enc)
    s = r.section("see also")
    s.note(
        "'gated recurrent unit' is the cell used here, and 'encoder' the first half; the decoder is trained on true previous tokens (teacher forcing); "
        "the decoder is trained; attention was added to seq2seq so that the decoder could look at every "
        "encoder output instead of one context vector ('attention', 'transformer')."
    )


def run_gru(gru, x, h):
    """A one-layer nn.GRU by hand, one example: x (L, E), h (H,) -> every state (L, H)."""
    import torch

    w = [gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0]
    states = []
    for t in range(x.shape[0]):
        h, _ = gru_cell_by_hand(x[t], h, *w)
        states.append(h)
    return torch.stack(states)


def by_hand(r: Report, emb, enc, dec, head, src, tgt_in, context, logits) -> None:
    import torch

    s = r.section("1. encoder, context, decoder: by hand against nn.GRU")
    ctx, outs = [], []
    for b in range(B):
        states = run_gru(enc, emb.weight[src[b]], torch.zeros(HID, dtype=torch.float64))  # (S, H)
        ctx.append(states[-1])  # the last encoder state is all the decoder gets
        dec_states = run_gru(dec, emb.weight[tgt_in[b]], states[-1])  # (T, H)
        outs.append(dec_states @ head.weight.T + head.bias)  # (T, V)
    r.check_close("context by hand == nn.GRU's h_n of the encoder", torch.stack(ctx), context[0], 1e-12)
    r.check_close("decoder logits by hand == nn.GRU decoder + nn.Linear", torch.stack(outs), logits, 1e-12)
    s.tensor(f"context, one per example (B={B}, H={HID})", context[0])
    s.note(
        "The encoder runs over the source and keeps only its last hidden state, the context c; the decoder "
        "starts from h_0 = c and reads the target shifted right (here random ids standing for it), "
        "producing one distribution over the V tokens per output position."
    )


def shapes(r: Report, src, tgt_in, enc_out, context, dec_out, logits) -> None:
    s = r.section("2. the shapes")
    S, T = src.shape[1], tgt_in.shape[1]
    s.table(
        ["tensor", "shape", "named"],
        [
            ["source ids", list(src.shape), "(B, S)"],
            ["encoder outputs", list(enc_out.shape), "(B, S, H)"],
            ["context = encoder h_n", list(context.shape), "(layers, B, H)"],
            ["decoder inputs", list(tgt_in.shape), "(B, T)"],
            ["decoder outputs", list(dec_out.shape), "(B, T, H)"],
            ["logits", list(logits.shape), "(B, T, V)"],
        ],
        title=f"B = {B}, S = {S}, T = {T}, E = {E}, H = {HID}, V = {V}",
    )
    r.exercise(
        "logits-shape",
        "The decoder's logits: what shape, for batch B, target length T and vocabulary V?",
        (B, T, V),
        given={"B": B, "S": S, "T": T, "H": HID, "V": V},
    )


def bottleneck(r: Report, emb, enc) -> None:
    import torch

    s = r.section("3. the bottleneck: one fixed-size context, however long the source")
    rows, same = [], True
    for S in (1, 5, 20, 80):
        _, c = enc(emb(torch.randint(0, V, (B, S))))  # (1, B, H)
        rows.append([S, S * E, list(c.shape), HID])
        same = same and list(c.shape) == [1, B, HID]
    s.table(["source length S", "numbers read per example (S·E)", "context shape", "numbers passed on"], rows)
    r.check("the context is (1, B, H) for every source length", same, kind="property")
    s.note(
        f"A source of 80 tokens is read as 80 x {E} numbers but reaches the decoder as {HID}: everything the "
        "decoder knows about it must fit there, one reason plain seq2seq did worse on long sentences and "
        "attention over all encoder outputs helped."
    )
    r.exercise(
        "context-size",
        "How many numbers per example does the decoder receive from a source of S tokens?",
        HID,
        given={"S": 80, "H": HID, "E": E},
    )
