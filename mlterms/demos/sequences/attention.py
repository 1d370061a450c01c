"""Attention: a weighted sum of values, the weights softmax(q·k / sqrt(d_k)), and why the scale."""

from __future__ import annotations

import math

from mlterms.demos.hand.attention import attention_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

L, S, DV = 4, 5, 4  # queries, keys, value width


@demo(
    summary="Attention aggregates information from a set of inputs as a weighted sum, the weights "
    "computed from the data: softmax(Q K^T / sqrt(d_k)) V, by hand and by F.scaled_dot_product_attention.",
    params=[
        Param("d_k", "int", 8, "width of queries and keys", min=1, max=64),
        Param("scale", "choice", "sqrt", "divide the scores by sqrt(d_k), or not", choices=("sqrt", "none")),
    ],
)
def run(r: Report, *, d_k: int, scale: str) -> None:
    import torch

    q = torch.randn(L, d_k, dtype=torch.float64)  # (L, d_k) one query per output position
    k = torch.randn(S, d_k, dtype=torch.float64)  # (S, d_k) one key per input
    v = torch.randn(S, DV, dtype=torch.float64)  # (S, d_v) one value per input: what gets summed
    factor = 1 / math.sqrt(d_k) if scale == "sqrt" else 1.0
    w = weighted_sum(r, q, k, v, factor)
    why_scale(r, d_k)
    r.exercise(
        "output-shape",
        "Attention with L queries, S keys of width d_k and values of width d_v: the output's shape?",
        (L, DV),
        given={"L": L, "S": S, "d_k": d_k, "d_v": DV},
    )
    r.exercise(
        "largest-weight",
        "softmax(q k^T * scale) for query 0: what is its largest attention weight?",
        w[0].max(),
        given={"q0": q[0], "k": k, "scale": factor},
        tolerance=1e-3,
    )


def weighted_sum(r: Report, q, k, v, factor: float):
    """Sections 1-3: scores, weights, output; checked against PyTorch. Returns the weights (L, S)."""
    import torch
    import torch.nn.functional as F

    s = r.section("1. scores: how well each query matches each key")
    how = "1/sqrt(d_k)" if factor != 1.0 or q.shape[1] == 1 else "no scaling"
    s.note(
        f"score[i, j] = q_i · k_j × scale, here scale = {factor:.4g} ({how}). "
        "Queries and keys are compared; the values are what is summed. The weights come from the data "
        "(another part of the network produced q and k), so they change with every input, unlike the "
        "fixed weights of a dense layer."
    )
    s.tensor(f"queries q (L={L}, d_k={q.shape[1]})", q)
    s.tensor(f"keys k (S={S}, d_k={k.shape[1]})", k)
    s.tensor(f"scores (L={L} queries, S={S} keys)", q @ k.T * factor)

    s = r.section("2. softmax turns each row of scores into weights")
    out, w = attention_by_hand(q, k, v, scale=factor)
    s.heatmap("attention weights", w, rows=[f"q{i}" for i in range(L)], cols=[f"k{j}" for j in range(S)])
    ones = torch.ones(L, dtype=torch.float64)
    r.check_close("each row of weights sums to 1", w.sum(-1), ones, atol=1e-12, kind="property")

    s = r.section("3. output = weighted sum of the values")
    s.tensor(f"values v (S={S}, d_v={DV})", v)
    rows = [[f"k{j}", w[0, j], *v[j]] for j in range(S)]
    rows.append(["Σ w·v = out[0]", w[0].sum(), *out[0]])
    s.table(["key j", "w[0, j]", *[f"v[j, {c}]" for c in range(DV)]], rows, title="query 0")
    s.tensor(f"output (L={L}, d_v={DV})", out)
    ref = F.scaled_dot_product_attention(q[None], k[None], v[None], scale=factor)[0]  # (L, d_v)
    r.check_close("by hand == F.scaled_dot_product_attention", out, ref, atol=1e-12)
    lo, hi = v.min(0).values - 1e-12, v.max(0).values + 1e-12
    inside = bool(((out >= lo) & (out <= hi)).all())
    r.check("each output lies within the range of the values (a convex combination)", inside, kind="property")
    return w


def why_scale(r: Report, d_k: int) -> None:
    """Section 4: var(q·k) = d for unit-variance entries; unscaled softmax saturates as d grows."""
    import torch

    s = r.section("4. why divide by sqrt(d_k)")
    s.note(
        "For random q, k with unit-variance entries, q·k is a sum of d_k products, so its variance is "
        "d_k. Unscaled, the scores grow with the width, the softmax saturates to nearly one-hot and its "
        "gradients vanish; dividing by sqrt(d_k) keeps the variance at 1 whatever d_k is."
    )
    n, keys = 500, 8
    rows, peaks = [], {}
    for dim in sorted({4, 16, 64, d_k}):
        qq = torch.randn(n, keys, dim, dtype=torch.float64)
        kk = torch.randn(n, keys, dim, dtype=torch.float64)
        raw = (qq * kk).sum(-1)  # (n, keys) unscaled scores
        scaled = raw / math.sqrt(dim)
        peak_raw = torch.softmax(raw, -1).max(-1).values.mean()
        peak_scaled = torch.softmax(scaled, -1).max(-1).values.mean()
        peaks[dim] = (float(peak_raw), float(peak_scaled))
        rows.append([dim, raw.var(), scaled.var(), peak_raw, peak_scaled])
        # var(q·k/sqrt(d)) = 1; its sample variance over N = 4000 scores has s.e. ~ sqrt((2 + 6/d) / N)
        se = math.sqrt((2 + 6 / dim) / (n * keys))
        r.check(
            f"d_k={dim}: var(q·k/√d_k) == 1 (closed form), within 5 s.e.",
            abs(float(scaled.var()) - 1) < 5 * se,
            f"var {float(scaled.var()):.3f}, unscaled {float(raw.var()):.1f}",
            kind="reference",
        )
    s.table(
        ["d_k", "var(q·k)", "var(q·k/√d_k)", "mean max weight, unscaled", "mean max weight, scaled"],
        rows,
        title=f"{n} random query/key sets, {keys} keys each",
    )
    raw64, scaled64 = peaks[64]
    r.effect(
        "at d_k=64 the unscaled softmax is nearly one-hot, the scaled one is not",
        raw64 > scaled64 + 0.3,
        f"mean max weight {raw64:.2f} vs {scaled64:.2f}",
        asserted=True,  # the table's widths do not depend on the knobs
    )
