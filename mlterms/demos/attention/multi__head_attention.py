"""Multi-head attention: H heads of width C / H over a query and a source sequence, by hand against
nn.MultiheadAttention, each head's share of the output projection, and the parameter count."""

from __future__ import annotations

import math

from mlterms.demos.hand.heads import heads_attention, multi_head
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

C = 8  # model width


@demo(
    summary="Multi-head attention runs several attention heads in parallel, each with its own query, key "
    "and value projections in a C / H wide slice, then concatenates them and mixes them with one output "
    "projection: by hand against nn.MultiheadAttention with the same weights.",
    params=[
        Param("heads", "choice", "2", "H, heads (they split the width C = 8)", choices=("1", "2", "4", "8")),
        Param("queries", "int", 3, "T, tokens of the query sequence", min=1, max=12),
        Param("source", "int", 5, "S, tokens of the key/value sequence", min=1, max=12),
    ],
)  # fmt: skip
def run(r: Report, *, heads: str, queries: int, source: int) -> None:
    import torch
    from torch import nn

    H = int(heads)
    mha = nn.MultiheadAttention(C, H, batch_first=True, dtype=torch.float64).eval()
    with torch.no_grad():  # the biases start at 0: move them, so that they are tested
        mha.in_proj_bias.normal_(0, 0.3)
        mha.out_proj.bias.normal_(0, 0.3)
    w = [mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias]
    w = [t.detach().clone() for t in w]  # copies: the hand code never reads the module
    x = torch.randn(2, queries, C, dtype=torch.float64)  # (B, T, C) the queries come from here
    m = torch.randn(2, source, C, dtype=torch.float64)  # (B, S, C) keys and values from here
    ref = by_hand(r, mha, w, x, m, H)
    output_projection(r, w, x, m, H, ref)
    parameters(r, H)


def by_hand(r: Report, mha, w, x, m, H: int):
    import torch

    s = r.section("H heads side by side: split, attend, concatenate, project")
    T, S = x.shape[1], m.shape[1]
    out, weights = multi_head(x, m, w, H)  # (B, T, C), (B, H, T, S)
    with torch.no_grad():
        ref, ref_w = mha(x, m, m, average_attn_weights=False)
        _, mean_w = mha(x, m, m)  # the default: weights averaged over the heads
    s.table(
        ["step", "formula", "shape"],
        [
            ["queries", "Q = x W_q^T + b_q", str((2, T, C))],
            ["keys, values", "K = m W_k^T + b_k, V = m W_v^T + b_v", str((2, S, C))],
            ["split into heads", f"head h: channels {C // H}h .. {C // H}h + {C // H - 1}", f"(2, {H}, T or S, {C // H})"],
            ["weights per head", "A_h = softmax(Q_h K_h^T / sqrt(C/H))", str(tuple(weights.shape))],
            ["heads concatenated", "[A_1 V_1, ..., A_H V_H]", str((2, T, C))],
            ["output", "concat W_o^T + b_o", str(tuple(out.shape))],
        ],
        title=f"(B, ., C): query sequence x of T = {T} tokens, source m of S = {S}; H = {H}",
    )  # fmt: skip
    if H > 1:
        keys = [f"k{j}" for j in range(S)]
        for h in range(min(H, 2)):
            s.heatmap(
                f"head {h} weights, sequence 0 (T x S)", weights[0, h], [f"q{i}" for i in range(T)], keys
            )
    s.note(
        "Here the queries come from one sequence and the keys and values from another (cross-attention, "
        "as in an encoder-decoder); self-attention is the case m = x. Each head has its own slice of "
        "W_q, W_k, W_v, so each computes its own weights over the same S tokens."
    )
    r.check_close("by hand == nn.MultiheadAttention (output)", out, ref, 1e-12)
    r.check_close("by hand == nn.MultiheadAttention (per-head weights)", weights, ref_w, 1e-12)
    r.check_close(
        "mean of the heads' weights == nn.MultiheadAttention's default averaged weights",
        weights.mean(1),
        mean_w,
        1e-12,
    )
    r.exercise(
        "weights-shape",
        "Queries of shape (B, T, C), keys of shape (B, S, C), H heads: what shape are the per-head weights?",
        tuple(weights.shape),
        given={"B": 2, "T": T, "S": S, "C": C, "H": H},
    )
    return ref


def output_projection(r: Report, w, x, m, H: int, ref) -> None:
    import torch

    s = r.section("each head writes into the output through its own columns of W_o")
    w_in, b_in, w_out, b_out = w
    q, k, v = (
        x @ w_in[:C].T + b_in[:C],
        m @ w_in[C : 2 * C].T + b_in[C : 2 * C],
        m @ w_in[2 * C :].T + b_in[2 * C :],
    )
    concat, _ = heads_attention(q, k, v, H)  # (B, T, C)
    dh = C // H
    shares = [concat[..., h * dh : (h + 1) * dh] @ w_out[:, h * dh : (h + 1) * dh].T for h in range(H)]
    summed = torch.stack(shares).sum(0) + b_out  # (B, T, C)
    s.table(
        ["head", "columns of W_o", "|its share of the output| (sequence 0)"],
        [[h, f"{h * dh}..{(h + 1) * dh - 1}", shares[h][0].norm()] for h in range(H)],
    )  # fmt: skip
    s.note(
        "concat(heads) W_o^T = sum over h of head_h W_o[:, slice_h]^T: concatenating and projecting is "
        "the same as letting every head project its own C/H numbers to the full width and adding the "
        "results. The heads never see each other's weights; they only meet in this sum."
    )
    r.check_close(
        "sum over heads of head_h W_o[:, h]^T + b_o == nn.MultiheadAttention's output",
        summed,
        ref,
        1e-12,
        kind="property",
    )


def parameters(r: Report, H: int) -> None:
    from torch import nn

    s = r.section("more heads, same parameters")
    rows = []
    for h in (1, 2, 4, 8):
        numel = sum(p.numel() for p in nn.MultiheadAttention(C, h).parameters())
        rows.append([h, C // h, 4 * C * C + 4 * C, numel])
    s.table(["H", "head width C/H", "4C^2 + 4C (by formula)", "numel of nn.MultiheadAttention"], rows)
    s.note(
        "W_q, W_k, W_v and W_o are C x C whatever H is: more heads cut the same matrices into thinner "
        f"slices, and each head's scores are scaled by 1/sqrt(C/H) (here 1/sqrt({C // H}) = "
        f"{1 / math.sqrt(C // H):.3f}) instead of 1/sqrt(C). What H buys is H separate softmaxes: H "
        "different weightings of the source per query, where one head gives one."
    )
    r.check(
        "parameters = 4C^2 + 4C for every H (formula == numel)",
        all(row[2] == row[3] for row in rows),
        ", ".join(f"H={row[0]}: {row[3]}" for row in rows),
        kind="reference",
    )
    r.exercise(
        "parameters",
        "How many parameters has nn.MultiheadAttention(embed_dim=E, num_heads=H) (with biases)?",
        4 * 64 * 64 + 4 * 64,
        given={"E": 64, "H": 8},
    )
