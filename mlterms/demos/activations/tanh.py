"""Tanh: a rescaled sigmoid centred at 0, gradients that vanish for large |x|, and a bounded RNN state."""

from __future__ import annotations

from mlterms.demos.hand.activations import act, act_grad
from mlterms.demos.hand.rnn import rnn_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HIDDEN = 16


@demo(
    summary="tanh(x) = (e^x - e^-x) / (e^x + e^-x) squashes into (-1, 1), centred at 0: a rescaled "
    "sigmoid, 2 sigmoid(2x) - 1, that saturates like it for large |x|; the classic RNN hidden state.",
    params=[
        Param(
            "gain", "float", 1.5, "the recurrent weights' scale (spectral radius about gain)", min=0.5, max=3
        ),
        Param("steps", "int", 40, "time steps of the RNN", min=5, max=200),
    ],
)
def run(r: Report, *, gain: float, steps: int) -> None:
    rescaled_sigmoid(r)
    saturation(r)
    rnn_state(r, gain, steps)


def rescaled_sigmoid(r: Report) -> None:
    import torch

    s = r.section("a rescaled sigmoid, centred at 0")
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    t = act(x, "tanh")
    s.table(
        ["x", "tanh by hand", "torch.tanh", "2 sigmoid(2x) - 1"],
        [[x[i], t[i], torch.tanh(x)[i], 2 * torch.sigmoid(2 * x[i]) - 1] for i in range(7)],
    )
    r.check_close("(e^x - e^-x) / (e^x + e^-x) == torch.tanh", t, torch.tanh(x), atol=1e-15)
    r.check_close("tanh(x) == 2 sigmoid(2x) - 1", t, 2 * torch.sigmoid(2 * x) - 1, atol=1e-15)
    r.check_close("tanh(-x) == -tanh(x) (odd)", act(-x, "tanh"), -t, atol=0, kind="property")
    z = torch.randn(4096, dtype=torch.float64)  # (N,) pre-activations ~ N(0, 1)
    s.table(
        ["f", "range", "mean of f(z), z ~ N(0, 1)"],
        [["tanh", "(-1, 1)", torch.tanh(z).mean()], ["sigmoid", "(0, 1)", torch.sigmoid(z).mean()]],
    )
    s.note(
        "Stretched by 2 and shifted down by 1, sigmoid becomes tanh, so tanh's outputs are centred at "
        "0 where sigmoid's sit around 1/2. Centred inputs help the next layer: when every input is "
        "positive, the gradients of a unit's incoming weights all share one sign (that of dL/dz), so "
        "they can only all grow or all shrink in one step."
    )
    r.exercise(
        "tanh-from-sigmoid",
        "sigmoid(2x) = 0.9. What is tanh(x)?",
        2 * 0.9 - 1,
        given={"sigmoid(2x)": 0.9},
        tolerance=1e-3,
    )


def saturation(r: Report) -> None:
    import torch

    s = r.section("saturation: tanh' and sigmoid' vanish for large |x|, relu' does not")
    x = torch.linspace(-12, 12, 2401, dtype=torch.float64)
    xl = x.clone().requires_grad_()
    torch.tanh(xl).sum().backward()
    dt, ds = act_grad(x, "tanh"), act_grad(x, "sigmoid")  # (2401,)
    rows = []
    for a in (0.0, 1.0, 2.0, 3.0, 5.0, 10.0):
        i = int((x - a).abs().argmin())
        rows.append([a, dt[i], ds[i], act_grad(x[i : i + 1], "relu")[0]])
    s.table(["x", "tanh'(x)", "sigmoid'(x)", "relu'(x)"], rows)
    s.note(
        "tanh' = 1 - tanh^2 = 4 sigmoid'(2x): at most 1 (at 0), four times sigmoid's 1/4, but both "
        "fall off exponentially, tanh' <= 4 e^-2|x| and sigmoid' <= e^-|x|, so a saturated unit "
        "passes almost no gradient back. Relu' stays 1 for every x > 0."
    )
    r.check_close("1 - tanh^2 == autograd of torch.tanh", dt, xl.grad, atol=1e-15)
    r.check_close(
        "tanh'(x) == 4 sigmoid'(2x)", dt, 4 * act_grad(2 * x, "sigmoid"), atol=1e-15, kind="property"
    )
    bounded = bool((dt <= 4 * (-2 * x.abs()).exp() + 1e-15).all() and (ds <= (-x.abs()).exp() + 1e-15).all())
    r.check(
        "tanh' <= 4 e^-2|x| and sigmoid' <= e^-|x| on [-12, 12]; relu' = 1 for x > 0",
        bounded and bool((act_grad(x[x > 0], "relu") == 1).all()),
        f"max tanh' {float(dt.max()):.4f}, max sigmoid' {float(ds.max()):.4f}",
        kind="property",
    )
    r.exercise(
        "tanh-grad",
        "What is tanh'(x) at x?",
        act_grad(torch.tensor(1.0, dtype=torch.float64), "tanh"),
        given={"x": 1.0},
        tolerance=1e-3,
    )


def rnn_state(r: Report, gain: float, steps: int) -> None:
    import torch
    from torch import nn

    s = r.section(f"an RNN's hidden state over {steps} steps, recurrent weights x {gain:g}")
    w_hh = torch.linalg.qr(torch.randn(HIDDEN, HIDDEN, dtype=torch.float64))[0] * gain  # (H, H)
    w_ih = torch.randn(HIDDEN, 3, dtype=torch.float64) / 3**0.5  # (H, I)
    b = torch.zeros(HIDDEN, dtype=torch.float64)
    x = torch.randn(steps, 3, dtype=torch.float64)  # (T, I)
    h0 = torch.zeros(HIDDEN, dtype=torch.float64)
    hs = {f: rnn_by_hand(x, w_ih, w_hh, b, b, h0, f) for f in ("tanh", "relu")}  # (T, H) each
    for f, h in hs.items():
        rnn = nn.RNN(3, HIDDEN, nonlinearity=f, batch_first=True).double()
        with torch.no_grad():
            for name, value in (
                ("weight_ih_l0", w_ih),
                ("weight_hh_l0", w_hh),
                ("bias_ih_l0", b),
                ("bias_hh_l0", b),
            ):
                getattr(rnn, name).copy_(value)
            # every step at once, from the hand loop's previous state: a batch of T one-step runs
            # (a whole-sequence comparison would amplify rounding at a chaotic gain)
            prev = torch.cat([h0[None], h[:-1]])[None]  # (1, T, H) as h_0 for each one-step run
            ref = rnn(x[:, None, :], prev)[0][:, 0]  # (T, H)
        scale = 1 + float(ref.abs().max())
        r.check_close(f"{f}: each step by hand == nn.RNN(nonlinearity='{f}')", h, ref, atol=1e-12 * scale)
    marks = sorted({t for t in (1, 2, 5, 10) if t <= steps} | {steps // 2, steps})
    s.table(
        ["step t", "max|h_t| tanh", "mean tanh'(a_t) = 1 - h^2", "max|h_t| relu"],
        [
            [
                t,
                hs["tanh"][t - 1].abs().max(),
                (1 - hs["tanh"][t - 1] ** 2).mean(),
                f"{float(hs['relu'][t - 1].abs().max()):.3g}",
            ]
            for t in marks
        ],
        title=f"W_hh = {gain:g} x an orthogonal matrix; the same weights for both",
    )
    s.note(
        "h_t = f(W_ih x_t + W_hh h_t-1 + b) applies the same W_hh at every step. With gain > 1 a relu "
        "state can grow like gain^t; tanh keeps every h_t in (-1, 1) whatever the weights, which is "
        "one reason it is the classic RNN activation. The price: with large weights the units "
        "saturate (|h| near 1, tanh' near 0) and the gradient through time vanishes instead."
    )
    r.check(
        "tanh keeps every hidden state in (-1, 1)",
        bool((hs["tanh"].abs() < 1).all()),
        f"max|h| {float(hs['tanh'].abs().max()):.6f}",
        kind="property",
    )
