"""Gradient: the partial derivatives of a loss, by hand, by autograd and by finite differences; it points uphill."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.hand.descent import central_differences
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def logistic_loss(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of a logistic model p = sigmoid(x @ w), for x (N, D), y (N,) in {0, 1}."""
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(x @ w, y)


def logistic_grad(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Its gradient in closed form: x^T (sigmoid(x @ w) - y) / N, shape (D,)."""
    return x.T @ (x @ w).sigmoid().sub(y) / len(y)


@demo(
    summary="The gradient is the vector of partial derivatives of the loss w.r.t. each parameter; it points "
    "where the loss grows fastest, so a small step against it lowers the loss.",
    params=[
        Param(
            "lr", "float", 0.5, "length of the step against the gradient: w - lr * grad", min=0.001, max=1.0
        ),
        Param("n", "int", 40, "training points of the logistic regression", min=10, max=400),
    ],
)
def run(r: Report, *, lr: float, n: int) -> None:
    import torch

    dt = torch.float64
    x = torch.randn(n, 3, dtype=dt)  # (N, D)
    y = (x @ torch.tensor([1.5, -2.0, 0.5], dtype=dt) + torch.randn(n, dtype=dt) > 0).to(dt)  # (N,)
    w = 0.5 * torch.randn(3, dtype=dt)  # (D,) the parameters where we take the gradient
    g = three_ways(r, w, x, y)
    uphill(r, w, x, y, g, lr)
    a, b = (round(v, 1) for v in torch.randn(2).tolist())
    r.exercise(
        "grad-of-polynomial",
        "f(w1, w2) = w1^2 + 3 w1 w2: what is its gradient (df/dw1, df/dw2) at the given w?",
        (2 * a + 3 * b, 3 * a),
        given={"w1": a, "w2": b},
        tolerance=1e-3,
    )


def three_ways(r: Report, w, x, y) -> torch.Tensor:
    s = r.section("one gradient, three ways")
    s.note(
        "Loss: mean binary cross-entropy of p = sigmoid(x @ w). Closed form by the chain rule: "
        "dL/dw = x^T (p - y) / N. Autograd gets it from the recorded graph; finite differences "
        "only from loss values, (L(w + h e_i) - L(w - h e_i)) / 2h, one pair of evaluations per parameter."
    )
    closed = logistic_grad(w, x, y)
    leaf = w.clone().requires_grad_()
    logistic_loss(leaf, x, y).backward()
    fd = central_differences(lambda v: float(logistic_loss(v, x, y)), w)
    s.table(
        ["parameter", "w", "closed form", "autograd (w.grad)", "finite differences"],
        [[f"w{i + 1}", w[i], closed[i], leaf.grad[i], fd[i]] for i in range(len(w))],
    )
    r.check_close("closed form x^T (p - y) / N == autograd", closed, leaf.grad, atol=1e-12)
    r.check_close("closed form == central finite differences (h = 1e-6)", closed, fd, atol=1e-8)
    return closed


def uphill(r: Report, w, x, y, g, lr: float) -> None:
    import torch

    s = r.section("it points uphill: the steepest slope, and a step against it")
    loss = float(logistic_loss(w, x, y))
    norm = float(g.norm())
    directions = torch.randn(200, 3, dtype=w.dtype)
    directions = torch.cat([(g / norm)[None], directions / directions.norm(dim=1, keepdim=True)])  # (201, D)
    h = 1e-5
    slopes = torch.tensor(
        [
            (float(logistic_loss(w + h * u, x, y)) - float(logistic_loss(w - h * u, x, y))) / (2 * h)
            for u in directions
        ]
    )  # (201,) the measured slope of the loss along each unit direction
    s.table(
        ["direction u (unit)", "slope of L along u (measured)", "grad . u"],
        [
            ["grad / |grad|", slopes[0], norm],
            ["-grad / |grad|", -slopes[0], -norm],
            ["steepest of 200 random", slopes[1:].max(), directions[1:][slopes[1:].argmax()] @ g],
        ],
        title=f"|grad| = {norm:.4f}",
    )
    r.check(
        "no random direction climbs faster than grad / |grad| (its slope is |grad|)",
        float(slopes[1:].max()) <= float(slopes[0]) + 1e-8,
        f"{float(slopes[1:].max()):.4f} <= {float(slopes[0]):.4f}",
        kind="property",
    )
    after = float(logistic_loss(w - lr * g, x, y))
    uphill_step = float(logistic_loss(w + lr * g, x, y))
    s.table(
        ["", "loss"],
        [
            ["at w", loss],
            [f"at w - {lr:g} * grad (downhill)", after],
            [f"at w + {lr:g} * grad (uphill)", uphill_step],
            ["first-order guess L - lr |grad|^2", loss - lr * norm**2],
        ],
    )
    curvature = float(torch.linalg.eigvalsh(x.T @ x)[-1]) / (4 * len(y))  # sigmoid' <= 1/4
    s.scalar("curvature bound C = lambda_max(x^T x) / (4N)", curvature)
    s.note(
        f"The loss curves upward by at most C, so any lr below 2/C = {2 / curvature:.3f} is a 'small' step "
        "and the loss must fall (the descent lemma); far beyond it the step can overshoot. "
        "The gradient descent demo repeats this step."
    )
    r.check(
        "a step of lr against the gradient lowers the loss",
        after < loss,
        f"{after:.5f} < {loss:.5f}",
        kind="property",
    )
    r.exercise(
        "first-order-drop",
        "To first order, by how much does the loss fall after the step w - lr * grad?",
        lr * norm**2,
        given={"lr": lr, "grad": g},
        tolerance=1e-3 * max(1.0, lr * norm**2),
    )
