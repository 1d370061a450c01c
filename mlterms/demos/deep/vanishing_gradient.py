"""Vanishing gradient: the backward pass as a product of per-layer factors, sigmoid's 1/4 against tanh and relu."""

from __future__ import annotations

import math

from mlterms.demos.hand.activations import act_grad
from mlterms.demos.hand.deep import autograd_weight_grads, backward, forward, init_std
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

BATCH = 16
STACKS = (("sigmoid", "xavier"), ("tanh", "xavier"), ("relu", "he"))  # (activation, its usual init)
MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}  # max |f'(z)|


@demo(
    summary="A vanishing gradient shrinks on its way back through the layers: each layer multiplies it by "
    "W^T and by f'(z), and when those factors are below 1 the early layers get almost no gradient.",
    params=[
        Param("depth", "int", 12, "layers of each stack", min=2, max=30),
        Param("width", "int", 32, "units per layer", min=8, max=64),
    ],
)
def run(r: Report, *, depth: int, width: int) -> None:
    import torch

    dt = torch.float64
    x = torch.randn(BATCH, width, dtype=dt)  # (B, H) one batch of inputs
    g_out = torch.randn(BATCH, width, dtype=dt) / BATCH  # (B, H) dL/dh_L for L = sum(h_L * g_out)
    s = r.section(f"||dL/dW_l|| per layer, {depth} layers of width {width}, bias-free")
    curves, rows, first = {}, [], {}
    for name, scheme in STACKS:
        std = init_std(width, width, scheme)
        ws = [torch.randn(width, width, dtype=dt) * std for _ in range(depth)]  # W_l (H, H)
        hs, zs = forward(x, ws, name)
        grads, gs = backward(ws, hs, zs, g_out, name)
        ref = autograd_weight_grads(x, ws, g_out, name)
        r.check_close(f"{name}: delta_l = g_l * f'(z_l), dW_l = delta_l^T h_l-1 == autograd",
                      torch.stack(grads), torch.stack(ref), atol=1e-12)  # fmt: skip
        bound_holds(r, name, ws, gs)
        norms = [float(g.norm()) for g in grads]
        curves[name] = [math.log10(max(n, 1e-300)) for n in norms]
        rate = (norms[0] / norms[-1]) ** (1 / (depth - 1))
        slope = float(torch.cat([(act_grad(z, name) ** 2).flatten() for z in zs]).mean().sqrt())
        ratio = norms[0] / norms[-1]
        rows.append([name, f"{scheme} {std:.3f}", norms[-1], math.log10(ratio), rate, slope])
        first[name] = ratio
    s.plot("log10 ||dL/dW_l|| by layer l (1 = first layer)", list(range(1, depth + 1)), **curves)
    s.table(
        ["activation", "init std", "||dW_L||", "log10 first/last", "factor per layer", "rms f'(z)"],
        rows,
    )
    s.note(
        "Going back one layer, the gradient is multiplied by f'(z) and then by W^T. With Xavier's std, "
        "W^T keeps its size on average, so the factor per layer is about the typical f'(z): near 1 for "
        "tanh around 0 and for relu's active half (He's extra sqrt 2 in the std pays for the dead half), but at "
        f"most 1/4 for sigmoid. A factor of 1/4 over {depth - 1} layers is 4^-{depth - 1}, about {4.0 ** (1 - depth):.0e}: "
        "the first layers barely move while the last ones learn. Too small weights do the same to any activation (see "
        "weight initialization); factors above 1 make it explode instead (exploding gradient)."
    )
    r.effect("sigmoid: the first layer gets < 1e-4 of the last layer's gradient", first["sigmoid"] < 1e-4,
             f"first / last = {first['sigmoid']:.1e}")  # fmt: skip
    r.effect("tanh (Xavier) and relu (He) keep the first layer's gradient within 10x of the last's",
             all(0.1 < first[n] < 10 for n in ("tanh", "relu")),
             f"tanh {first['tanh']:.2f}, relu {first['relu']:.2f}")  # fmt: skip
    exercises(r)


def bound_holds(r: Report, name: str, ws, gs) -> None:
    """Each step back is g_l-1 = (g_l * f'(z_l)) W_l, so ||g_l-1|| <= max|f'| ||W_l||_2 ||g_l||."""
    import torch

    worst = 0.0
    for w, g_in, g_out in zip(ws, gs[:-1], gs[1:], strict=True):
        bound = MAX_SLOPE[name] * float(torch.linalg.matrix_norm(w, ord=2)) * float(g_out.norm())
        worst = max(worst, float(g_in.norm()) / bound)
    r.check(f"{name}: every step back shrinks by at most max|f'| x ||W||_2", worst <= 1 + 1e-9,
            f"largest ||g_l-1|| / bound = {worst:.3f}", kind="property")  # fmt: skip


def exercises(r: Report) -> None:
    import torch

    k = int(torch.randint(4, 11, ()))
    w = round(float(torch.empty(()).uniform_(1.0, 3.0)), 1)
    r.exercise(
        "sigmoid-chain-bound",
        "A chain of k sigmoid units, y = s(w s(w ... s(w x))), every weight w. sigmoid' is at most 1/4: "
        "what is the largest dy/dx can be?",
        (w / 4) ** k,
        given={"k": k, "w": w},
        tolerance=1e-3 * (w / 4) ** k,
    )
    factor = round(float(torch.empty(()).uniform_(0.2, 0.6)), 2)
    r.exercise(
        "layers-to-1e-3",
        "If every layer multiplies the gradient by the same factor, how many layers until it is below 1e-3 "
        "of its size at the output?",
        math.ceil(math.log(1e-3) / math.log(factor)),
        given={"factor": factor},
    )
