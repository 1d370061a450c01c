"""Causal mask: -inf above the diagonal against PyTorch's mask builders and is_causal=True, outputs
blind to later tokens, and one masked pass equal to T passes over growing prefixes."""

from __future__ import annotations

from mlterms.demos.hand.heads import causal_additive, heads_attention
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

C = 8  # model width


@demo(
    summary="A causal mask sets the attention scores of later tokens to -inf before the softmax, so the "
    "output at position t depends only on tokens 0..t: by hand against F.scaled_dot_product_attention("
    "is_causal=True), and why it lets a decoder train on every position of a sequence in one pass.",
    params=[
        Param("tokens", "int", 6, "T, tokens in the sequence", min=2, max=16),
        Param("heads", "choice", "2", "H, attention heads (they split the width C = 8)", choices=("1", "2", "4")),
    ],
)  # fmt: skip
def run(r: Report, *, tokens: int, heads: str) -> None:
    import torch

    H, T = int(heads), tokens
    q, k, v = (torch.randn(2, T, C, dtype=torch.float64) for _ in range(3))  # (B, T, C), projected already
    mask = causal_additive(T)  # (T, T)
    the_mask(r, mask)
    out = against_torch(r, q, k, v, mask, H)
    future(r, q, k, v, mask, H, out)
    prefixes(r, q, k, v, mask, H, out)


def the_mask(r: Report, mask) -> None:
    import torch
    from torch import nn

    s = r.section("the mask: 0 on and below the diagonal, -inf above it")
    T = mask.shape[0]
    s.tensor(f"additive mask M (T={T}, T), added to the scores", mask)
    s.table(
        ["argument", "meaning"],
        [
            ["F.scaled_dot_product_attention(attn_mask=tril(ones))", "bool, True = allowed"],
            ["nn.MultiheadAttention(attn_mask=triu(ones, 1))", "bool, True = blocked"],
            ["float attn_mask M, to either of them", "added to the scores"],
            ["F.scaled_dot_product_attention(is_causal=True)", "builds M itself"],
        ],
        title="the same mask in PyTorch's conventions",
    )
    s.note(
        "softmax(scores + M): exp(-inf) = 0, so every query gives zero weight to later keys and the "
        "weights of the earlier ones still sum to 1. Query 0 sees only itself: its output is v_0."
    )
    ref = nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    r.check(
        "M by hand == nn.Transformer.generate_square_subsequent_mask",
        bool(torch.equal(mask, ref)),
        "every entry, the -inf included",
        kind="reference",
    )
    r.exercise(
        "masked-scores",
        "How many of the T x T scores does a causal mask set to -inf?",
        int(torch.isinf(mask).sum()),
        given={"T": T},
    )


def against_torch(r: Report, q, k, v, mask, H: int):
    import torch
    import torch.nn.functional as F

    s = r.section("masked attention by hand == PyTorch's causal attention")
    out, weights = heads_attention(q, k, v, H, mask)  # (B, T, C), (B, H, T, T)
    T = q.shape[1]

    def sdpa(**kw):
        split = [t.reshape(2, T, H, C // H).transpose(1, 2) for t in (q, k, v)]  # (B, H, T, C/H)
        return F.scaled_dot_product_attention(*split, **kw).transpose(1, 2).reshape(2, T, C)

    labels = [f"t{i}" for i in range(T)]
    s.heatmap("head 0 weights, sequence 0 (query rows, key columns)", weights[0, 0], labels, labels)
    r.check_close(
        "by hand == F.scaled_dot_product_attention(is_causal=True)", out, sdpa(is_causal=True), 1e-12
    )
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    r.check_close(
        "by hand == F.scaled_dot_product_attention(attn_mask=tril)", out, sdpa(attn_mask=allowed), 1e-12
    )
    r.check(
        "weights above the diagonal are exactly 0 and every row sums to 1",
        bool((weights[..., ~allowed] == 0).all()) and bool(torch.allclose(weights.sum(-1), torch.ones(()).double())),
        kind="property",
    )  # fmt: skip
    v0 = v[:, 0]  # (B, C): query 0 can only copy value 0
    r.check_close("output at position 0 == v_0 (it sees only itself)", out[:, 0], v0, 1e-12, kind="property")
    r.exercise(
        "first-row-weight",
        "Under a causal mask, what weight does query 0 give key 0?",
        float(weights[0, 0, 0, 0]),
        given={"T": T},
        tolerance=1e-6,
    )
    return out


def future(r: Report, q, k, v, mask, H: int, out) -> None:
    import torch

    s = r.section("a later token cannot change an earlier output")
    T = q.shape[1]
    rows, before, after = [], 0.0, 0.0
    for j in range(1, T):  # change token j's key and value, as a new token would
        k2, v2 = k.clone(), v.clone()
        k2[:, j], v2[:, j] = torch.randn(2, C, dtype=q.dtype), torch.randn(2, C, dtype=q.dtype)
        moved = (heads_attention(q, k2, v2, H, mask)[0] - out).abs().amax(dim=(0, 2))  # (T,)
        free = (heads_attention(q, k2, v2, H)[0] - heads_attention(q, k, v, H)[0]).abs().amax(dim=(0, 2))
        rows.append([j, moved[:j].max(), moved[j:].min(), free[:j].max()])
        before, after = max(before, float(moved[:j].max())), min(after or 1e9, float(moved[j:].min()))
    s.table(
        ["token j changed", "max change at 0..j-1", "min change at j..T-1", "no mask: max change at 0..j-1"],
        rows,
    )
    s.note(
        "With the mask, changing token j moves the outputs at j and after, never before. Without it, "
        "every output moves: each position would have read the tokens it is asked to predict."
    )
    r.check(
        "every output before j ignores token j", before < 1e-12, f"max change {before:.1e}", kind="property"
    )
    r.check(
        "every output from j on depends on token j", after > 1e-9, f"min change {after:.1e}", kind="property"
    )


def prefixes(r: Report, q, k, v, mask, H: int, out) -> None:
    s = r.section("why it matters: one masked pass = T passes over the prefixes")
    T = q.shape[1]
    diffs = []
    for t in range(T):  # attention of the prefix 0..t alone, no mask needed: there is no future in it
        alone, _ = heads_attention(q[:, : t + 1], k[:, : t + 1], v[:, : t + 1], H)
        diffs.append(float((alone[:, t] - out[:, t]).abs().max()))
    s.table(["t", "|prefix 0..t alone - masked pass at t|"], [[t, d] for t, d in enumerate(diffs)])
    s.note(
        f"A decoder learns to predict token t + 1 from tokens 0..t. With the mask, one pass over the "
        f"sequence gives all {T} predictions at once, each exactly what running the model on its own "
        "prefix would give, so training on a sequence of T tokens yields T training examples. At "
        "generation time there is no future anyway; the kv cache demo reuses the prefix's keys and values."
    )
    r.check(
        "masked pass at t == attention over the prefix 0..t alone, for every t",
        max(diffs) < 1e-12,
        f"max difference {max(diffs):.1e}",
        kind="property",
    )
