"""Multilayer perceptron: linear layers with a nonlinearity between them, by hand and as nn.Sequential,
its parameter count, and a curve that no linear model can fit."""

from __future__ import annotations

import math

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N_TRAIN, N_TEST, NOISE = 64, 200, 0.1
STEPS, LR = 120, 0.04


def target(x):
    """The curve to learn: sin(2x) on [-2, 2], nonlinear and not monotone."""
    return (2 * x).sin()


def mlp(x, layers):
    """h_0 = x; h_l = tanh(h_l-1 W_l^T + b_l) for the hidden layers; the output layer has no activation."""
    h = x
    for i, (w, b) in enumerate(layers):
        h = h @ w.T + b  # (N, n_out)
        if i < len(layers) - 1:
            h = h.tanh()
    return h


def init(sizes: list[int], dtype):
    """One (W (n_out, n_in), b (n_out,)) per layer, in nn.Linear's layout and U(-1/sqrt(n_in), 1/sqrt(n_in)) init."""
    import torch

    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / math.sqrt(n_in)
        out.append(
            tuple((torch.rand(*shape, dtype=dtype) * 2 - 1) * bound for shape in ((n_out, n_in), (n_out,)))
        )
    return out


@demo(
    summary="A multilayer perceptron stacks dense layers with a nonlinearity between them; with one hidden layer "
    "it already fits curves that a linear model, or a stack of linear layers without the nonlinearity, cannot.",
    params=[
        Param("hidden", "int", 16, "units per hidden layer", min=2, max=32),
        Param("layers", "int", 1, "hidden layers", min=1, max=2),
    ],
)
def run(r: Report, *, hidden: int, layers: int) -> None:
    import torch

    dt = torch.float64
    sizes = [1] + [hidden] * layers + [1]
    params = init(sizes, dt)
    structure(r, params, sizes)
    x = torch.rand(N_TRAIN, 1, dtype=dt) * 4 - 2  # (N, 1) inputs in [-2, 2]
    y = target(x) + NOISE * torch.randn(N_TRAIN, 1, dtype=dt)
    xt = torch.linspace(-2, 2, N_TEST, dtype=dt)[:, None]  # held-out inputs
    yt = target(xt)
    leaves = [p.clone().requires_grad_() for wb in params for p in wb]
    pairs = list(zip(leaves[::2], leaves[1::2], strict=True))
    losses = fit_adam(leaves, lambda: ((mlp(x, pairs) - y) ** 2).mean(), STEPS, LR)
    r.check("the training MSE falls while Adam fits the MLP", losses[-1] < losses[0],
            f"{losses[0]:.3f} -> {losses[-1]:.3f}", kind="property")  # fmt: skip
    design = torch.cat([x, torch.ones_like(x)], dim=1)  # (N, 2): the best line, by least squares
    coef = torch.linalg.lstsq(design, y).solution
    with torch.no_grad():
        mse_mlp = float(((mlp(xt, pairs) - yt) ** 2).mean())
        mse_lin = float(((torch.cat([xt, torch.ones_like(xt)], dim=1) @ coef - yt) ** 2).mean())
        shown = mlp(xt, pairs)[::20, 0]
    s = r.section(f"fitting sin(2x) from {N_TRAIN} noisy points, held-out MSE on {N_TEST} others")
    s.plot("training MSE by Adam step", list(range(1, STEPS + 1, 10)), mlp=losses[::10])
    s.table(
        ["model", "held-out MSE"], [[f"MLP {'-'.join(map(str, sizes))}", mse_mlp], ["best line", mse_lin]]
    )
    s.table(
        ["x", "sin(2x)", "MLP"],
        [[float(a), float(b), float(c)] for a, b, c in zip(xt[::20, 0], yt[::20, 0], shown, strict=True)],
    )
    s.note(
        "Without the tanh, the layers multiply out to one matrix and the MLP is the best line again: the "
        "nonlinearity between the dense layers is what a single perceptron lacks. One hidden layer of tanh units "
        "is a sum of shifted, scaled S-curves, enough to bend a line into sin(2x)."
    )
    r.effect("the MLP's held-out MSE is < 1/4 of the best line's", mse_mlp < mse_lin / 4,
             f"{mse_mlp:.4f} vs {mse_lin:.4f}", asserted=hidden >= 8 and layers == 1)  # fmt: skip
    exercises(r)


def structure(r: Report, params, sizes: list[int]) -> None:
    """The hand forward pass against nn.Sequential holding the same weights, and the parameter count."""
    import torch
    from torch import nn

    mods: list[nn.Module] = []
    for i, (w, b) in enumerate(params):
        lin = nn.Linear(w.shape[1], w.shape[0], dtype=w.dtype)
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        mods += [lin, nn.Tanh()] if i < len(params) - 1 else [lin]
    net = nn.Sequential(*mods)
    probe = torch.linspace(-2, 2, 9, dtype=w.dtype)[:, None]
    with torch.no_grad():
        r.check_close("MLP by hand == nn.Sequential(Linear, Tanh, ..., Linear), same weights", mlp(probe, params),
                      net(probe), atol=1e-12)  # fmt: skip
    formula = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    numel = sum(p.numel() for p in net.parameters())
    r.check_equal("parameters: sum(n_in * n_out + n_out) == sum of numel", formula, numel, kind="reference")
    s = r.section("layers")
    rows = [[f"{a} -> {b}", a * b, b] for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    s.table(
        ["layer", "weights n_in*n_out", "biases n_out"],
        rows + [["total", formula - sum(sizes[1:]), sum(sizes[1:])]],
    )


def exercises(r: Report) -> None:
    import torch

    sizes = [int(v) for v in torch.randint(2, 65, (int(torch.randint(3, 5, ())),))]
    r.exercise(
        "count-parameters",
        "An MLP with these layer widths (input, hidden ..., output), every layer with a bias: how many parameters?",
        sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True)),
        given={"sizes": sizes},
    )
    w1 = [[round(float(v), 1) for v in row] for row in torch.empty(2, 2).uniform_(-1, 1)]
    w2 = [round(float(v), 1) for v in torch.empty(2).uniform_(-1, 1)]
    x = [round(float(v), 1) for v in torch.empty(2).uniform_(-1, 1)]
    h = [max(0.0, w1[i][0] * x[0] + w1[i][1] * x[1]) for i in range(2)]
    r.exercise(
        "relu-forward",
        "A bias-free 2-2-1 MLP: y = w2 . relu(W1 x) (W1's rows give the hidden units). What is y?",
        w2[0] * h[0] + w2[1] * h[1],
        given={"W1": w1, "w2": w2, "x": x},
        tolerance=1e-6,
    )
