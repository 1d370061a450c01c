"""Query, key, value: three projections of the tokens, the split of nn.MultiheadAttention's
in_proj_weight, and what a query looks up in a toy key-value memory (and why 1/sqrt(d_k))."""

from __future__ import annotations

import math

from mlterms.demos.hand.blocks import attend, project_qkv, softmax_last
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

E = 4  # width of the tokens in the projection section
SLOTS = 6  # keys in the toy memory
QUERIES = 400


@demo(
    summary="Each position is projected by three learned matrices into a query (what it looks for), a key "
    "(what it offers) and a value (what is passed on); query i weights position j by softmax_j(q_i . k_j / "
    "sqrt(d_k)) and takes the weighted sum of the values.",
    params=[
        Param("d_k", "int", 16, "width of queries and keys in the toy memory", min=1, max=64),
        Param("scale", "choice", "on", "divide the scores by sqrt(d_k)", choices=("on", "off")),
        Param("noise", "float", 0.5, "how far each query sits from the key it was made from (sd)", min=0.0, max=2.0),
    ],
)  # fmt: skip
def run(r: Report, *, d_k: int, scale: str, noise: float) -> None:
    projections(r)
    lookup(r, d_k, scale == "on", noise)
    saturation(r, d_k, noise)


def projections(r: Report) -> None:
    import torch
    from torch import nn

    f64 = torch.float64
    s = r.section("three projections: Q = X W_q^T, K = X W_k^T, V = X W_v^T")
    mha = nn.MultiheadAttention(E, 1, batch_first=True, dtype=f64)
    with torch.no_grad():
        mha.in_proj_bias.normal_(0, 0.1)  # starts at 0: give it values, so the split of it is tested
    w_in, b_in = mha.in_proj_weight.detach(), mha.in_proj_bias.detach()  # (3E, E), (3E,)
    w_out, b_out = mha.out_proj.weight.detach(), mha.out_proj.bias.detach()
    src = torch.randn(1, 5, E, dtype=f64)  # (B, S, E): 5 tokens that offer keys and values
    tgt = torch.randn(1, 3, E, dtype=f64)  # (B, T, E): 3 tokens that ask
    s.note(
        f"nn.MultiheadAttention keeps the three matrices stacked in in_proj_weight ({3 * E}, {E}): rows "
        f"0-{E - 1} are W_q, {E}-{2 * E - 1} W_k, {2 * E}-{3 * E - 1} W_v. Here the queries come from one "
        "sequence (3 tokens) and the keys and values from another (5 tokens): cross-attention. In "
        "self-attention all three come from the same sequence."
    )
    q = project_qkv(tgt, w_in, b_in)[0]  # (1, 3, E): only the query rows are used on tgt
    _, k, v = project_qkv(src, w_in, b_in)  # (1, 5, E)
    s.tensor("Q = tgt W_q^T + b_q (T=3, d_k=4)", q[0])
    s.tensor("K = src W_k^T + b_k (S=5, d_k=4)", k[0])
    s.tensor("V = src W_v^T + b_v (S=5, d_v=4)", v[0])
    out, w = attend(q, k, v)  # (1, 3, E), (1, 3, 5)
    s.heatmap(
        "weights softmax(Q K^T / sqrt(d_k))", w[0], [f"q{i}" for i in range(3)], [f"k{j}" for j in range(5)]
    )
    with torch.no_grad():
        ref, ref_w = mha(tgt, src, src)
    r.check_close("weights by hand (in_proj split q, k, v) == nn.MultiheadAttention", w, ref_w, 1e-12)
    r.check_close("output W_o(weights @ V) + b_o == nn.MultiheadAttention", out @ w_out.T + b_out, ref, 1e-12)
    r.check_close(
        "each query's weights sum to 1 over the keys",
        w.sum(-1),
        torch.ones(1, 3, dtype=f64),
        1e-12,
        kind="property",
    )
    r.exercise(
        "key-rows",
        "Which rows of nn.MultiheadAttention's in_proj_weight hold W_k (first row, one past the last)?",
        (E, 2 * E),
        given={"embed_dim": E, "in_proj_weight shape": (3 * E, E)},
    )


def memory(d_k: int, noise: float):
    """SLOTS keys (SLOTS, d_k) and QUERIES queries, each a noisy copy of one key: (QUERIES, d_k)."""
    import torch

    keys = torch.randn(SLOTS, d_k, dtype=torch.float64)  # entries of variance 1: |k|^2 about d_k
    target = torch.randint(SLOTS, (QUERIES,))  # the key each query was made from
    queries = keys[target] + noise * torch.randn(QUERIES, d_k, dtype=torch.float64)
    return keys, target, queries


def lookup(r: Report, d_k: int, scaled: bool, noise: float) -> None:
    import torch

    s = r.section("what a query looks up: a soft key-value memory")
    keys, target, queries = memory(d_k, noise)
    values = torch.eye(SLOTS, dtype=torch.float64)  # value j = one-hot(j): the output IS the weights
    out, w = attend(queries, keys, values, scale=scaled)  # (Q, SLOTS) both
    s.note(
        f"{SLOTS} keys of width d_k = {d_k}; each of {QUERIES} queries is a noisy copy (sd {noise:g}) of one "
        "key. The query's dot product is largest with the key it resembles, so that key's value gets the "
        f"largest weight. Scores {'divided by sqrt(d_k)' if scaled else 'NOT scaled'} (knob `scale`)."
    )
    s.heatmap(
        "weights of queries 0-5",
        w[:6],
        [f"q{i}~k{int(target[i])}" for i in range(6)],
        [f"k{j}" for j in range(SLOTS)],
    )
    found = float((w.argmax(-1) == target).double().mean())
    s.table(
        ["", "value"],
        [
            ["queries whose largest weight is on their own key", found],
            ["chance (1 / keys)", 1 / SLOTS],
            ["mean weight on the own key", w[torch.arange(QUERIES), target].mean()],
        ],
    )
    r.check_close("values one-hot: the output row == the weight row", out, w, 0.0, kind="property")
    unscaled = attend(queries, keys, values, scale=False)[1]
    same = int((w.argmax(-1) == unscaled.argmax(-1)).sum())
    r.check(
        "the winning key is the same with or without 1/sqrt(d_k) (a positive scale keeps the order)",
        same == QUERIES,
        f"{same} of {QUERIES} queries",
        kind="property",
    )
    r.effect(
        "the query's own key gets the largest weight (far above chance)",
        found > 0.75,
        f"{found:.2f} > 0.75, chance {1 / SLOTS:.2f}",
    )
    q0, k4 = queries[0, :4], keys[:4, :4]  # a small case to do by hand
    w0 = softmax_last(k4 @ q0 / math.sqrt(4))
    r.exercise(
        "top-key",
        "With these keys and this query (d_k = 4), which key index gets the largest weight?",
        int(w0.argmax()),
        given={"query": q0, "keys": k4},
    )
    r.exercise(
        "top-weight",
        "And what is that largest weight, softmax(q . k_j / sqrt(4)) at that key?",
        w0.max(),
        given={"query": q0, "keys": k4},
        tolerance=1e-3,
    )


def softmax_jacobian(p):
    """d softmax / d scores for rows p (..., S): diag(p) - p p^T, (..., S, S)."""
    import torch

    return torch.diag_embed(p) - p[..., :, None] * p[..., None, :]


def saturation(r: Report, d_k: int, noise: float) -> None:
    import torch

    s = r.section("without 1/sqrt(d_k) the softmax saturates and its gradient vanishes")
    rows = []
    for d in sorted({4, 16, 64, d_k}):
        keys, _, queries = memory(d, noise)
        row = [d]
        for scaled in (True, False):
            w = attend(queries, keys, keys, scale=scaled)[1]  # (Q, SLOTS)
            grad = softmax_jacobian(w).norm(dim=(-2, -1))  # (Q,) size of d weights / d scores
            row += [w.max(-1).values.mean(), grad.mean()]
        rows.append(row)
    s.table(
        ["d_k", "max weight, scaled", "|d w / d s|, scaled", "max weight, unscaled", "|d w / d s|, unscaled"],
        rows,
        title=f"means over {QUERIES} queries; |.| = Frobenius norm of the softmax Jacobian",
    )
    s.note(
        "q . k sums d_k products, so unscaled scores grow with d_k; the softmax then puts almost all weight "
        "on one key, and the Jacobian diag(p) - p p^T goes to 0: the other keys get almost no gradient, and "
        "learning which key to look up stalls. Dividing by sqrt(d_k) keeps the scores' spread roughly "
        "independent of d_k. (The attention demo shows the variance argument.)"
    )
    keys, _, queries = memory(d_k, noise)
    scores = keys @ queries[0] / math.sqrt(d_k)  # (SLOTS,) one query's scores
    auto = torch.autograd.functional.jacobian(softmax_last, scores)  # (SLOTS, SLOTS)
    r.check_close(
        "softmax Jacobian diag(p) - p p^T == autograd", softmax_jacobian(softmax_last(scores)), auto, 1e-12
    )
    mine = next(row for row in rows if row[0] == d_k)
    r.effect(
        "unscaled, the softmax gradient is less than half the scaled one",
        float(mine[4]) < 0.5 * float(mine[2]),
        f"d_k={d_k}: {float(mine[4]):.3f} < 0.5 x {float(mine[2]):.3f}",
    )
