"""Exploding gradient: one matrix applied again and again (an RNN through time), rho^T, and the step that blows up."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

WIDTH = 16
SAFE = 0.9  # the baseline's scale: below 1, nothing explodes
LR = 0.01


def unroll(w, h0, steps: int) -> list:
    """h_t = W h_t-1 for t = 1 .. T: a linear RNN with no input after h_0, [h_0 .. h_T], (H,) each."""
    hs = [h0]
    for _ in range(steps):
        hs.append(w @ hs[-1])
    return hs


def bptt(w, hs, g_last) -> tuple:
    """Backprop through time by hand, from g_T = dL/dh_T: g_t-1 = W^T g_t, dL/dW = sum_t g_t h_t-1^T.

    Returns dL/dW (H, H) and [g_0 .. g_T]."""
    g, gs, dw = g_last, [g_last], 0 * w
    for h_prev in reversed(hs[:-1]):
        dw = dw + g.outer(h_prev)  # this step's share: the same W is used at every step
        g = w.T @ g
        gs.append(g)
    return dw, gs[::-1]


def loss_of(w, h0, y, steps: int):
    """L = 1/2 ||h_T - y||^2."""
    return 0.5 * ((unroll(w, h0, steps)[-1] - y) ** 2).sum()


@demo(
    summary="An exploding gradient grows on its way back, layer after layer or step after step: with one "
    "matrix W used at every step, it is multiplied by W^T each time, and by rho^T once rho > 1.",
    params=[
        Param(
            "rho",
            "float",
            1.1,
            "the scale of W = rho Q (Q orthogonal): every singular value is rho",
            min=0.5,
            max=1.5,
        ),  # fmt: skip
        Param("steps", "int", 40, "timesteps T the RNN is unrolled", min=5, max=60),
    ],
)
def run(r: Report, *, rho: float, steps: int) -> None:
    import torch

    dt = torch.float64
    q, _ = torch.linalg.qr(torch.randn(WIDTH, WIDTH, dtype=dt))  # (H, H) orthogonal
    h0, y = (v / v.norm() for v in torch.randn(2, WIDTH, dtype=dt))  # (H,) unit start and target
    through_time(r, q, h0, y, rho, steps)
    random_matrix(r, steps)
    one_step(r, q, h0, y, rho, steps)
    power = round(float(torch.empty(()).uniform_(1.05, 1.5)), 2)
    r.exercise(
        "steps-to-100x",
        "The gradient is multiplied by rho at every step back. After how many steps is it 100x larger?",
        math.ceil(math.log(100) / math.log(power)),
        given={"rho": power},
    )


def through_time(r: Report, q, h0, y, rho: float, steps: int) -> None:
    import torch

    s = r.section(f"h_t = W h_t-1 for T = {steps} steps, W = rho Q: the gradient back to h_0")
    curves, rows = {}, []
    for scale in sorted({0.9, 1.0, 1.1, rho}):
        w = scale * q
        hs = unroll(w, h0, steps)
        dw, gs = bptt(w, hs, hs[-1] - y)
        norms = [float(g.norm()) for g in gs]
        curves[f"rho {scale:g}"] = [math.log10(max(n, 1e-300)) for n in norms[::-1]]
        rows.append([scale, norms[-1], norms[0], norms[0] / norms[-1], scale**steps, float(dw.norm())])
        if scale == rho:
            leaf, h_leaf = w.clone().requires_grad_(), h0.clone().requires_grad_()
            dw_ref, dh0_ref = torch.autograd.grad(loss_of(leaf, h_leaf, y, steps), (leaf, h_leaf))
            r.check_close("dL/dW = sum_t g_t h_t-1^T (backprop through time by hand) == autograd", dw, dw_ref,
                          atol=1e-9 * max(1.0, float(dw_ref.abs().max())))  # fmt: skip
            closed = torch.linalg.matrix_power(w.T, steps) @ gs[-1]
            r.check_close("dL/dh_0 == (W^T)^T dL/dh_T (torch.linalg.matrix_power)", closed, dh0_ref,
                          atol=1e-9 * max(1.0, float(closed.abs().max())))  # fmt: skip
            worst = abs(math.log(norms[0] / norms[-1]) - steps * math.log(rho))
            r.check("||dL/dh_0|| / ||dL/dh_T|| == rho^T exactly, as Q keeps lengths", worst < 1e-9,
                    f"|log ratio - T log rho| = {worst:.1e}", kind="property")  # fmt: skip
    s.plot(
        "log10 ||dL/dh_t|| going back from t = T (0 on the axis) to t = 0", list(range(steps + 1)), **curves
    )
    s.table(["rho", "||dL/dh_T||", "||dL/dh_0||", "ratio", "rho^T", "||dL/dW||"], rows)
    s.note(
        "Every step back multiplies the gradient by W^T. An orthogonal Q keeps its length, so W = rho Q "
        "scales it by exactly rho per step: rho^T after T steps, 1.1^40 = 45 but 0.9^40 = 0.015. dL/dW "
        "sums one term per step, each carrying such a power, so it grows too. A deep stack of different "
        "layers does the same with the product of their factors (see vanishing gradient for the shrinking side)."
    )


def random_matrix(r: Report, steps: int) -> None:
    import torch

    s = r.section("a random W: the growth per step approaches its spectral radius")
    rows = []
    for sigma in (0.8, 1.0, 1.2):
        w = torch.randn(WIDTH, WIDTH, dtype=torch.float64) * sigma / WIDTH**0.5  # (H, H)
        g = torch.randn(WIDTH, dtype=torch.float64)
        norms = [float(g.norm())]
        for _ in range(2 * steps):
            g = w.T @ g
            norms.append(float(g.norm()))
        radius = float(torch.linalg.eigvals(w).abs().max())
        rows.append(
            [sigma, radius, (norms[-1] / norms[steps]) ** (1 / steps), float(torch.linalg.matrix_norm(w, 2))]
        )
    s.table(["std x sqrt(H)", "spectral radius (eigvals)", f"growth per step, steps {steps}-{2 * steps}",
             "largest singular value"], rows)  # fmt: skip
    s.note(
        "For a general W the gradient's growth per step tends to the largest |eigenvalue| (the spectral "
        "radius, about std x sqrt(H) for Gaussian entries), not the largest singular value, which only bounds it."
    )


def one_step(r: Report, q, h0, y, rho: float, steps: int) -> None:
    import torch

    s = r.section(f"one SGD step, lr {LR:g}, on L = 1/2 ||h_T - y||^2")
    rows, after = [], {}
    for name, scale, clip in (
        ("safe", SAFE, False),
        ("exploding", rho, False),
        ("exploding, clipped", rho, True),
    ):
        w = (scale * q).requires_grad_()
        loss = loss_of(w, h0, y, steps)
        (g,) = torch.autograd.grad(loss, w)
        norm = float(g.norm())
        if clip:  # rescale the gradient to norm at most 1 (gradient clipping by norm)
            g = g * min(1.0, 1.0 / norm)
        with torch.no_grad():
            after[name] = (float(loss), float(loss_of(w - LR * g, h0, y, steps)))
        rows.append([name, scale, norm, float(g.norm()), *after[name]])
    s.table(["run", "rho", "||dL/dW||", "step's gradient norm", "loss before", "loss after"], rows)
    s.note(
        "The loss surface is as steep as the gradient is large: the step that helps at rho = 0.9 throws the "
        "exploding run far off. Clipping the gradient's norm keeps its direction and bounds the step."
    )
    (sb, sa), (eb, ea), (cb, ca) = after.values()
    r.effect("the same step lowers the loss at rho 0.9", sa < sb, f"{sb:.4g} -> {sa:.4g}")
    r.effect("the exploding gradient's step raises the loss over 10x", ea > 10 * eb, f"{eb:.4g} -> {ea:.4g}")
    r.effect("with its norm clipped to 1, the step lowers the loss", ca < cb, f"{cb:.4g} -> {ca:.4g}")
