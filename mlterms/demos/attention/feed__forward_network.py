"""Feed-forward network: C -> eC -> C by hand against nn.Linear layers and a 1x1 convolution, the
same function on every token alone, and the 4x expansion's share of a block's parameters."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

B, C = 2, 8  # batch, model width


@demo(
    summary="The feed-forward network of a transformer block is two dense layers with an activation "
    "between them, C -> e*C -> C (e = 4 in the 2017 paper), applied to every token alone with the same "
    "weights: by hand against nn.Linear layers and a 1x1 convolution, and where the parameters are.",
    params=[
        Param("expansion", "int", 4, "e, the hidden width d_ff = e * C", min=1, max=8),
        Param("activation", "choice", "relu", "between the two layers", choices=("relu", "gelu")),
        Param("tokens", "int", 5, "T, tokens per sequence", min=1, max=12),
    ],
)
def run(r: Report, *, expansion: int, activation: str, tokens: int) -> None:
    import torch
    from torch import nn

    d_ff = expansion * C
    act = nn.ReLU() if activation == "relu" else nn.GELU()
    first, second = nn.Linear(C, d_ff).double(), nn.Linear(d_ff, C).double()
    net = nn.Sequential(first, act, second)
    w = [t.detach() for t in (first.weight, first.bias, second.weight, second.bias)]
    x = torch.randn(B, tokens, C, dtype=torch.float64)  # (B, T, C)
    out = by_hand(r, net, w, x, activation)
    position_wise(r, w, x, activation, out)
    parameters(r, net, expansion)


def ffn(x, w, activation: str):
    """w = (W1, b1, W2, b2): act(x W1^T + b1) W2^T + b2 on the last axis: (..., C) -> (..., C); also the hidden (..., d_ff)."""
    w1, b1, w2, b2 = w
    z = x @ w1.T + b1  # (..., d_ff)
    gelu = 0.5 * z * (1 + (z / math.sqrt(2)).erf())  # the exact GELU: z * Phi(z), Phi the normal CDF
    h = z.clamp(min=0) if activation == "relu" else gelu
    return h @ w2.T + b2, h


def by_hand(r: Report, net, w, x, activation: str):
    import torch
    import torch.nn.functional as F

    s = r.section("what it computes: FFN(x) = act(x W1^T + b1) W2^T + b2")
    out, hidden = ffn(x, w, activation)
    T, d_ff = x.shape[1], w[0].shape[0]
    s.table(
        ["tensor", "shape"],
        [["x", str((B, T, C))], ["W1, b1", f"{tuple(w[0].shape)}, ({d_ff},)"], ["hidden", str(tuple(hidden.shape))],
         ["W2, b2", f"{tuple(w[2].shape)}, ({C},)"], ["output", str(tuple(out.shape))]],
        title=f"B = {B}, T = {T}, C = {C}, d_ff = {d_ff}, {activation}",
    )  # fmt: skip
    s.tensor("output, sequence 0 (T, C)", out[0])
    with torch.no_grad():
        ref = net(x)
        conv = F.conv1d(x.transpose(1, 2), w[0][:, :, None], w[1])  # (B, d_ff, T): a 1x1 convolution
        conv = F.conv1d(net[1](conv), w[2][:, :, None], w[3]).transpose(1, 2)  # (B, T, C)
    r.check_close(f"by hand == nn.Sequential(Linear, {type(net[1]).__name__}, Linear)", out, ref, 1e-12)
    r.check_close("by hand == two 1x1 convolutions over the tokens (F.conv1d)", out, conv, 1e-12)
    s.note(
        "A 1x1 convolution slides a kernel of width 1 along the sequence: the same dense layer at every "
        "position, which is why the 2017 paper calls the layer position-wise."
    )
    r.exercise(
        "hidden-shape",
        "x of shape (B, T, C) through a feed-forward layer with expansion e: what shape is the hidden layer?",
        tuple(hidden.shape),
        given={"B": B, "T": T, "C": C, "e": d_ff // C},
    )
    return out


def position_wise(r: Report, w, x, activation: str, out) -> None:
    import torch

    s = r.section("position-wise: every token goes through alone, with the same weights")
    T = x.shape[1]
    alone = torch.stack([ffn(x[:, t], w, activation)[0] for t in range(T)], dim=1)  # (B, T, C)
    r.check_close("whole sequence at once == one token at a time", out, alone, 1e-12, kind="property")
    x2 = x.clone()
    j = T // 2
    x2[:, j] = torch.randn(B, C, dtype=x.dtype)  # change one token
    moved = (ffn(x2, w, activation)[0] - out).abs().amax(dim=(0, 2))  # (T,)
    s.table(["token", "max |change| after changing token " + str(j)], [[t, moved[t]] for t in range(T)])
    s.note(
        "Changing one token changes that token's output only: the feed-forward layer never mixes "
        "positions. In a block, self attention moves information BETWEEN tokens and the feed-forward "
        "layer then transforms each token's vector on its own."
    )
    others = torch.cat([moved[:j], moved[j + 1 :]])
    r.check(
        f"changing token {j} leaves every other token's output unchanged",
        bool((others == 0).all()) and float(moved[j]) > 0,
        f"max change elsewhere {float(others.max()) if len(others) else 0.0:.1e}, at token {j} "
        f"{float(moved[j]):.2e}",
        kind="property",
    )


def parameters(r: Report, net, e: int) -> None:
    s = r.section(f"parameters: 2 C d_ff + d_ff + C, with d_ff = {e} C")
    formula = 2 * C * e * C + e * C + C
    numel = sum(p.numel() for p in net.parameters())
    r.check_equal("parameters by formula == sum of numel", formula, numel, kind="reference")
    rows = []
    for width in (C, 512, 768, 4096):
        ffn_p, attn_p = 2 * width * e * width + e * width + width, 4 * width * width + 4 * width
        rows.append([width, ffn_p, attn_p, ffn_p / (ffn_p + attn_p)])
    s.table(["C", f"feed-forward (e = {e})", "attention 4C^2 + 4C", "feed-forward share"], rows)
    s.note(
        f"With e = {e} the feed-forward layer holds {2 * e}C^2 weights against attention's 4C^2: a share "
        f"of {2 * e / (2 * e + 4):.3f} of a block (LayerNorms aside) for large C; e = 4 gives two thirds. "
        f"Per token it costs {2 * e}C^2 multiply-adds, attention 4C^2 + 2TC for T tokens."
    )
    r.exercise(
        "parameters",
        "How many parameters (weights and biases) has the feed-forward layer of width C and expansion e?",
        2 * 768 * 4 * 768 + 4 * 768 + 768,
        given={"C": 768, "e": 4},
    )
