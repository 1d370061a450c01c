"""Activation function: sigmoid, tanh and relu by formula, saturation, and XOR with and without one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.hand.activations import act, act_grad, bce
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

X_XOR = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y_XOR = [[0.0], [1.0], [1.0], [0.0]]


def logits(X: torch.Tensor, params: list, name: str) -> torch.Tensor:
    """A linear model (W, b) -> (N, 1), or a one-hidden-layer net (W1, b1, W2, b2) with activation `name`."""
    if len(params) == 2:
        W, b = params
        return X @ W.T + b
    W1, b1, W2, b2 = params
    return act(X @ W1.T + b1, name) @ W2.T + b2


def loss_and_grads(X: torch.Tensor, y: torch.Tensor, params: list, name: str) -> tuple:
    """The bce loss and d loss / d params by the chain rule; d loss / d logit = (sigmoid(z) - y) / N."""
    if len(params) == 2:
        W, b = params
        z = X @ W.T + b  # (N, 1)
        dz = (act(z, "sigmoid") - y) / len(X)  # (N, 1)
        return bce(z, y), [dz.T @ X, dz.sum(0)]
    W1, b1, W2, b2 = params
    pre = X @ W1.T + b1  # (N, H)
    h = act(pre, name)
    z = h @ W2.T + b2  # (N, 1)
    dz = (act(z, "sigmoid") - y) / len(X)  # (N, 1)
    dpre = (dz @ W2) * act_grad(pre, name)  # (N, H)
    return bce(z, y), [dpre.T @ X, dpre.sum(0), dz.T @ h, dz.sum(0)]


@demo(
    summary="An activation function is the nonlinearity applied to each unit's weighted sum, "
    "out = f(w·x + b); without it stacked linear layers collapse into one and cannot fit XOR.",
    params=[
        Param(
            "activation",
            "choice",
            "relu",
            "the hidden layer's nonlinearity",
            choices=("relu", "tanh", "sigmoid", "none"),
        ),
        Param("width", "int", 16, "hidden units of the XOR net", min=2, max=32),
    ],
)
def run(r: Report, *, activation: str, width: int) -> None:
    formulas(r)
    saturation(r)
    collapse(r)
    xor(r, activation, width)


def formulas(r: Report) -> None:
    import torch

    s = r.section("sigmoid, tanh, relu by formula")
    xs = torch.linspace(-4, 4, 33, dtype=torch.float64)
    sig, th, re = act(xs, "sigmoid"), act(xs, "tanh"), act(xs, "relu")
    s.note(
        "sigmoid(x) = 1 / (1 + e^-x) in (0, 1); tanh(x) = (e^x - e^-x) / (e^x + e^-x) in (-1, 1); relu = max(0, x)."
    )
    s.plot("sigmoid, tanh, relu", xs, sigmoid=sig, tanh=th, relu=re)
    r.check_close("sigmoid formula == torch.sigmoid", sig, torch.sigmoid(xs), atol=1e-12)
    r.check_close("tanh formula == torch.tanh", th, torch.tanh(xs), atol=1e-12)
    r.check_close("relu formula == torch.relu", re, torch.relu(xs), atol=0)


def saturation(r: Report) -> None:
    import torch

    s = r.section("saturation: how much gradient each one passes back")
    xs = torch.tensor([-5.0, -2.0, 0.5, 2.0, 5.0], dtype=torch.float64)
    rows = []
    for name, fn in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu)):
        xl = xs.clone().requires_grad_()
        fn(xl).sum().backward()
        r.check_close(f"{name}'(x) by formula == autograd", act_grad(xs, name), xl.grad, atol=1e-12)
        rows.append([name, *act_grad(xs, name).tolist()])
    s.table(["f'(x) at x =", *[f"{v:g}" for v in xs.tolist()]], rows)
    s.note(
        "Sigmoid and tanh saturate: for large |x| their gradient is near 0 (sigmoid's is at most 1/4), "
        "so a deep stack of them passes back little. Relu passes 1 for x > 0, 0 otherwise. It avoids "
        "saturation, but not every shrinking: through a layer the gradient becomes W^T (f'(z) * g), so "
        "the weights still scale it at every layer."
    )


def collapse(r: Report) -> None:
    import torch

    s = r.section("without an activation, two linear layers are one")
    x = torch.randn(4, 3, dtype=torch.float64)  # (N, in)
    W1, b1 = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    W2, b2 = torch.randn(2, 5, dtype=torch.float64), torch.randn(2, dtype=torch.float64)
    two = (x @ W1.T + b1) @ W2.T + b2  # (N, 2)
    W, b = W2 @ W1, W2 @ b1 + b2  # the single equivalent layer: (2, 3), (2,)
    s.note("W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): the second layer bought nothing.")
    s.tensor("W = W2 @ W1", W)
    r.check_close("W2(W1 x + b1) + b2 == (W2 W1) x + (W2 b1 + b2)", two, x @ W.T + b, atol=1e-12)


def xor(r: Report, activation: str, width: int) -> None:
    import math

    import torch
    from torch import nn

    s = r.section(f"XOR: a linear model against a 2 -> {width} -> 1 net with {activation}")
    X, y = (
        torch.tensor(X_XOR, dtype=torch.float64),
        torch.tensor(Y_XOR, dtype=torch.float64),
    )  # (4, 2), (4, 1)
    linear = [p.detach().double().clone() for p in nn.Linear(2, 1).parameters()]  # W, b
    net = [
        p.detach().double().clone()
        for m in (nn.Linear(2, width), nn.Linear(width, 1))
        for p in m.parameters()
    ]
    models = {"linear": linear, "net": net}
    check_gradients(r, X, y, models, activation)
    curves: dict[str, list] = {n: [] for n in models}
    for _ in range(200):  # full-batch gradient descent, lr 1, gradients by hand
        for n, params in models.items():
            loss_now, gs = loss_and_grads(X, y, params, activation)
            curves[n].append(loss_now)
            for p, g in zip(params, gs, strict=True):
                p -= g
    probs = {n: torch.sigmoid(logits(X, p, activation))[:, 0] for n, p in models.items()}
    loss = {n: bce(logits(X, p, activation), y).item() for n, p in models.items()}
    s.table(
        ["x1", "x2", "XOR", "p linear", f"p net ({activation})"],
        [[*X[i].tolist(), y[i, 0], probs["linear"][i], probs["net"][i]] for i in range(4)],
        title="predicted probability of class 1 after 200 steps",
    )
    s.table(
        ["model", "final loss"],
        [["linear 2 -> 1", loss["linear"]], [f"2 -> {width} {activation} -> 1", loss["net"]]],
    )
    s.plot(
        "training loss (binary cross-entropy)",
        list(range(200)),
        **{n: torch.stack(c) for n, c in curves.items()},
    )
    spread = float((probs["linear"] - 0.5).abs().max())
    s.note(
        f"The linear model learns nothing on XOR: it predicts 0.5 for every point (within {spread:.0e}) "
        "and its loss sits at ln 2 = 0.693, the loss of a coin flip. No line separates {(0,1), (1,0)} "
        "from {(0,0), (1,1)}, and by symmetry the best linear fit is w = 0, b = 0. Thresholding its 0.5 "
        "+- noise gives an 'accuracy' that is noise. With a nonlinearity the hidden layer bends the "
        "space so that the output layer can separate the classes; with 'none' the net collapses to a "
        "linear model and fails too."
    )
    r.check(
        "linear model's loss >= ln 2 (its best on XOR)",
        loss["linear"] >= math.log(2) - 1e-9,
        f"{loss['linear']:.6f}",
        kind="property",
    )
    right = int(((probs["net"] > 0.5).double() == y[:, 0]).sum())
    r.effect(
        f"the net with {activation} gets all 4 XOR points right",
        right == 4,
        f"{right} of 4, loss {loss['net']:.3f}",
        asserted=r.at_defaults or (activation in ("relu", "tanh") and width >= 16),  # seeds 0-99 hold
    )
    r.exercise(
        "linear-xor-prob",
        "A linear logistic model trained to convergence on XOR: what probability does it give (1, 1)?",
        probs["linear"][3],
        given={"points": X_XOR, "labels": [v[0] for v in Y_XOR]},
        tolerance=0.01,
    )


def check_gradients(r: Report, X, y, models: dict, activation: str) -> None:
    """The hand-written loss and gradients at the starting weights == PyTorch's."""
    import torch
    import torch.nn.functional as F

    for n, params in models.items():
        leaves = [p.clone().requires_grad_() for p in params]
        ref = F.binary_cross_entropy_with_logits(logits(X, leaves, activation), y)
        ref.backward()
        r.check_close(
            f"{n}: loss by hand == F.binary_cross_entropy_with_logits",
            bce(logits(X, params, activation), y),
            ref.detach(),
            atol=1e-12,
        )
        got = torch.cat([g.flatten() for g in loss_and_grads(X, y, params, activation)[1]])
        r.check_close(
            f"{n}: gradients by hand == autograd",
            got,
            torch.cat([p.grad.flatten() for p in leaves]),
            atol=1e-12,
        )
