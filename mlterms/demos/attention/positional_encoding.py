"""Positional encoding: the sinusoidal formula checked entry by entry, a fixed offset as a rotation
(so dot products depend on distance only), and attention being blind to order until they are added."""

from __future__ import annotations

import math

from mlterms.demos.hand.heads import sinusoidal
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A positional encoding is a vector per position added to the token embeddings, because "
    "attention alone sees a set, not a sequence: the sinusoidal encodings sin / cos(t / 10000^(2i/d)) by "
    "hand, offsets as rotations, and the order they give to self-attention.",
    params=[
        Param("width", "choice", "8", "d, the model width (even)", choices=("2", "4", "8", "16", "32", "64")),
        Param("tokens", "int", 12, "T, positions", min=3, max=64),
        Param("offset", "int", 3, "k, the offset t -> t + k", min=1, max=32),
    ],
)  # fmt: skip
def run(r: Report, *, width: str, tokens: int, offset: int) -> None:
    d, T = int(width), tokens
    pe = sinusoidal(T + offset, d)  # (T + k, d): enough rows for every t + k with t < T
    formula(r, pe[:T], d)
    relative(r, pe, T, d, offset)
    order(r, pe[:T], d)


def formula(r: Report, pe, d: int) -> None:
    s = r.section("what it computes: PE[t, 2i] = sin(t w_i), PE[t, 2i+1] = cos(t w_i)")
    T = pe.shape[0]
    cols = min(d, 6)
    s.heatmap(
        f"PE, positions 0..{min(T, 16) - 1} x dimensions 0..{cols - 1}",
        pe[: min(T, 16), :cols],
        [f"t{t}" for t in range(min(T, 16))],
        [str(j) for j in range(cols)],
    )
    s.table(
        ["pair i", "dimensions", "w_i = 10000^(-2i/d)", "wavelength 2 pi / w_i (positions)"],
        [[i, f"{2 * i}, {2 * i + 1}", 10000 ** (-2 * i / d), 2 * math.pi * 10000 ** (2 * i / d)] for i in range(d // 2)],
        title=f"d = {d}: one frequency per pair, geometric from 1 down to 1/10000",
    )  # fmt: skip
    s.note(
        "Each pair of dimensions is a clock turning at its own speed: the first pair every 2 pi = 6.3 "
        "positions, the last one almost never. Together they give every position a different vector, "
        "of norm sqrt(d/2) (sin^2 + cos^2 = 1 per pair), with no parameters to learn. The vector is "
        "ADDED to the token embedding (same width d), not concatenated."
    )
    loops = [
        [math.sin(t / 10000 ** (j / d)) if j % 2 == 0 else math.cos(t / 10000 ** ((j - 1) / d)) for j in range(d)]
        for t in range(T)
    ]  # fmt: skip
    r.check_close(
        "vectorised PE == the formula, entry by entry (math.sin / math.cos)", pe, pe.new_tensor(loops), 1e-12
    )
    t, j = T - 1, min(d - 1, 3)
    r.exercise(
        "pe-value",
        "What is PE[t, j] of the sinusoidal encoding?",
        pe[t, j],
        given={"t": t, "j": j, "d": d},
        tolerance=1e-3,
    )


def relative(r: Report, pe, T: int, d: int, k: int) -> None:
    import torch

    s = r.section(f"an offset is a rotation: PE[t + k] = R_k PE[t], the same R_k for every t (k = {k})")
    w = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)  # (d/2,)
    c, sn = torch.cos(k * w), torch.sin(k * w)
    R = torch.zeros(d, d, dtype=torch.float64)  # block diagonal: one 2 x 2 rotation per pair
    R[0::2, 0::2], R[0::2, 1::2] = torch.diag(c), torch.diag(sn)
    R[1::2, 0::2], R[1::2, 1::2] = torch.diag(-sn), torch.diag(c)
    shifted = pe[:T] @ R.T  # (T, d): row t is R_k PE[t]
    r.check_close(
        f"R_k PE[t] == PE[t + {k}] for every t < {T}", shifted, pe[k : k + T], 1e-10, kind="property"
    )
    dots = (pe[:T] * pe[k : k + T]).sum(1)  # (T,): PE[t] . PE[t + k]
    closed = torch.cos(k * w).sum()
    s.table(
        ["t", "PE[t] . PE[t + k]", "sum_i cos(k w_i)"],
        [[t, dots[t], closed] for t in range(0, T, max(1, T // 5))],
    )
    s.note(
        "sin((t+k)w) = sin(tw)cos(kw) + cos(tw)sin(kw) and cos((t+k)w) = cos(tw)cos(kw) - sin(tw)sin(kw): "
        "moving by k turns each pair by the angle k w_i, whatever t is. So the dot product of two "
        "positions depends only on their distance, which a query-key score can pick up. (Rotary "
        "embeddings, RoPE, apply this rotation to the queries and keys themselves.)"
    )
    r.check_close(
        "PE[t] . PE[t + k] == sum_i cos(k w_i) for every t (distance only)",
        dots,
        closed.expand(T),
        1e-10,
    )
    r.exercise(
        "offset-dot",
        "PE[t] . PE[t + k] for the sinusoidal encoding of width d: what is it?",
        float(closed),
        given={"k": k, "d": d, "t": 0},
        tolerance=1e-3,
    )


def order(r: Report, pe, d: int) -> None:
    import torch
    from torch import nn

    s = r.section("why: self-attention without positions cannot see order")
    T = pe.shape[0]
    mha = nn.MultiheadAttention(d, 1, batch_first=True, dtype=torch.float64).eval()
    x = torch.randn(1, T, d, dtype=torch.float64)  # (B, T, d) token embeddings
    perm = torch.randperm(T)
    if bool((perm == torch.arange(T)).all()):
        perm = perm.roll(1)  # a shuffle that moves something

    def sa(t):
        with torch.no_grad():
            return mha(t, t, t, need_weights=False)[0]

    plain = (sa(x[:, perm]) - sa(x)[:, perm]).abs().max()
    with_pe = (sa(x[:, perm] + pe) - sa(x + pe)[:, perm]).abs().max()
    same = x[:, :1].expand(1, T, d)  # one token repeated T times: "a a a ... a"
    spread_plain = (sa(same) - sa(same)[:, :1]).abs().max()
    spread_pe = (sa(same + pe) - sa(same + pe)[:, :1]).abs().max()
    s.table(
        ["input to nn.MultiheadAttention", "|SA(shuffled) - shuffled SA|", "repeated token: outputs differ by"],
        [["token embeddings x", plain, spread_plain], ["x + PE", with_pe, spread_pe]],
        title=f"shuffle {perm.tolist()}",
    )  # fmt: skip
    s.note(
        "Attention is a weighted sum over a SET: shuffle the tokens and the outputs come out shuffled "
        "the same way (permutation equivariance), and a token repeated T times gets the same output at "
        "every position. Adding PE gives each position its own input, so both break. The transformer "
        "demo shows the same for a whole encoder block."
    )
    r.check(
        "without positions: SA(x shuffled) == SA(x) shuffled",
        float(plain) < 1e-12,
        f"max difference {float(plain):.1e}",
        kind="property",
    )
    r.check(
        "with PE added, shuffling changes the outputs, not just their order",
        float(with_pe) > 1e-6,
        f"max difference {float(with_pe):.2e}",
        kind="property",
    )
