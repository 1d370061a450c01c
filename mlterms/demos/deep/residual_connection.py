"""Residual connection: y = x + F(x) in every block, and the first layer's gradient with and without the skip."""

from __future__ import annotations

import math

from mlterms.demos.hand.deep import autograd_weight_grads, backward, forward, init_std
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

BATCH = 16
DEFAULTS = {"depth": 20, "width": 32, "activation": "sigmoid"}


@demo(
    summary="A residual connection adds a block's input to its output, y = x + F(x): the backward pass "
    "gets an identity path, so the gradient reaches the early layers of a deep stack instead of vanishing.",
    params=[
        Param("depth", "int", DEFAULTS["depth"], "blocks in the stack", min=2, max=30),
        Param("width", "int", DEFAULTS["width"], "units per block", min=8, max=64),
        Param("activation", "choice", DEFAULTS["activation"], "F(h) = f(h W^T)", choices=("sigmoid", "tanh")),
    ],
)
def run(r: Report, *, depth: int, width: int, activation: str) -> None:
    import torch

    dt = torch.float64
    x = torch.randn(BATCH, width, dtype=dt)  # (B, H) one batch of inputs
    g_out = torch.randn(BATCH, width, dtype=dt) / BATCH  # (B, H) dL/dh_L for L = sum(h_L * g_out)
    std = init_std(width, width, "xavier")
    ws = [
        torch.randn(width, width, dtype=dt) * std for _ in range(depth)
    ]  # the SAME W_l (H, H) in both stacks
    s = r.section(
        f"||dL/dW_l|| per layer: {depth} {activation} blocks of width {width}, Xavier std {std:.3f}"
    )
    curves, rows, first = {}, [], {}
    for skip, label in ((False, "plain"), (True, "residual")):
        hs, zs = forward(x, ws, activation, skip)
        grads, gs = backward(ws, hs, zs, g_out, activation, skip)
        ref = autograd_weight_grads(x, ws, g_out, activation, skip)
        r.check_close(
            f"{label}: backward by hand == autograd", torch.stack(grads), torch.stack(ref), atol=1e-12
        )
        norms = [float(g.norm()) for g in grads]
        curves[label] = [math.log10(max(n, 1e-300)) for n in norms]
        first[label] = norms[0]
        rows.append(
            [
                label,
                curves[label][0],
                curves[label][-1],
                curves[label][0] - curves[label][-1],
                math.log10(max(float(gs[0].norm()), 1e-300)),
                float(hs[-1].norm() / x.norm()),
            ]
        )
    s.plot("log10 ||dL/dW_l|| by layer l (1 = first layer)", list(range(1, depth + 1)), **curves)
    s.table(
        [
            "stack",
            "log10 ||dW_1||",
            "log10 ||dW_L||",
            "log10 first/last",
            "log10 ||dL/dx||",
            "||h_L|| / ||x||",
        ],
        rows,
    )
    s.note(
        "Without the skip, going back one block multiplies the gradient by f'(z) and W^T; for sigmoid that is "
        "at most 1/4 a layer (see vanishing gradient). With h_l = h_l-1 + F(h_l-1), the step back is "
        "g_l-1 = g_l + (g_l * f'(z_l)) W_l: the '+ g_l' hands the output's gradient to every block unchanged, "
        "whatever F does. The price shows in the forward pass: the residual stream h_l keeps adding F's outputs "
        "and grows with depth, one reason transformers put a layer normalization in every block."
    )
    ratio = first["residual"] / max(first["plain"], 1e-300)
    r.effect("the first layer's gradient is >= 100x larger with the skips than without", ratio >= 100,
             f"residual / plain = {ratio:.1e}", asserted=activation == "sigmoid" and depth >= 12)  # fmt: skip
    identity(r, x, g_out, width, depth, activation)
    exercises(r)


def identity(r: Report, x, g_out, width: int, depth: int, activation: str) -> None:
    """With F's weights at zero every block adds the constant f(0) (0 for tanh, 1/2 for sigmoid): the skip still carries the gradient."""
    import torch

    zeros = [torch.zeros(width, width, dtype=x.dtype) for _ in range(depth)]
    hs, zs = forward(x, zeros, activation, skip=True)
    _, gs = backward(zeros, hs, zs, g_out, activation, skip=True)
    shift = depth * (0.5 if activation == "sigmoid" else 0.0)  # F(h) = f(0) = 1/2 for sigmoid, 0 for tanh
    r.check_close(
        "W = 0: h_L == x + depth * f(0) (each block adds f(0))",
        hs[-1],
        x + shift,
        atol=1e-12,
        kind="property",
    )
    r.check_close("W = 0: dL/dx == dL/dh_L, the skips pass the gradient through unchanged", gs[0], g_out,
                  atol=1e-15, kind="property")  # fmt: skip
    s = r.section("W = 0: a plain stack blocks the gradient, a residual one passes it")
    phs, pzs = forward(x, zeros, activation)
    _, pgs = backward(zeros, phs, pzs, g_out, activation)
    s.table(["stack", "||dL/dx||", "||dL/dh_L||"], [["plain", float(pgs[0].norm()), float(g_out.norm())],
                                                  ["residual", float(gs[0].norm()), float(g_out.norm())]])  # fmt: skip


def exercises(r: Report) -> None:
    import torch

    k = int(torch.randint(5, 21, ()))
    a = round(float(torch.empty(()).uniform_(0.05, 0.3)), 2)
    r.exercise(
        "linear-chain",
        "k blocks, each scalar: plain h <- a h, residual h <- h + a h. What is dh_k/dh_0 residual divided by plain?",
        ((1 + a) / a) ** k,
        given={"k": k, "a": a},
        tolerance=1e-6 * ((1 + a) / a) ** k,
    )
    w = round(float(torch.empty(()).uniform_(-2.0, 2.0)), 1)
    x0 = round(float(torch.empty(()).uniform_(-1.0, 1.0)), 1)
    r.exercise(
        "tanh-block-slope",
        "One scalar residual block y = x + tanh(w x): what is dy/dx at x?",
        1 + w * (1 - math.tanh(w * x0) ** 2),
        given={"w": w, "x": x0},
        tolerance=1e-3,
    )
