"""Logistic regression: a linear score squashed by the sigmoid into P(y = 1 | x), fitted by BCE."""

from __future__ import annotations

import math

from mlterms.demos.hand.classic import accuracy, blobs
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HELD_OUT = 500  # per class
STEPS = 200


@demo(
    summary="Logistic regression: a linear model whose score z = w.x + b goes through the sigmoid to "
    "give P(y = 1 | x), fitted by minimising binary cross-entropy; it draws a straight decision boundary.",
    params=[
        Param("n", "int", 30, "training points per class", min=5, max=200),
        Param(
            "sep",
            "float",
            2.5,
            "distance between the two class centers (each has spread 1)",
            min=0.0,
            max=6.0,
        ),
    ],
)
def run(r: Report, *, n: int, sep: float) -> None:
    import torch

    centers = torch.tensor([[-1.0, -0.5], [1.0, 0.5]], dtype=torch.float64)
    centers = centers / centers[1].norm() * sep / 2  # (2, 2): sep apart, on a slanted line
    train, held_out = blobs(n, centers, 1.0), blobs(HELD_OUT, centers, 1.0)
    X = design(train[0])
    y = train[1].double()
    gradient(r, X, y)
    w = fit(r, X, y)
    boundary(r, train, held_out, w, sep)
    r.exercise(
        "probability",
        "With weights w (bias first) and the point x, what probability of class 1 does the model give?",
        torch.sigmoid(w[0] + w[1:] @ held_out[0][0]),
        given={"w": w, "x": held_out[0][0]},
        tolerance=1e-3,
    )
    r.exercise(
        "bce-at-zero",
        "Before training, w = 0 gives every point p = 0.5. What is the mean binary cross-entropy then?",
        math.log(2),
        given={"w": [0.0, 0.0, 0.0]},
        tolerance=1e-3,
    )


def design(x):
    """[1, x1, x2] per row: the bias is weight 0. (N, 3)"""
    import torch

    return torch.cat([torch.ones(len(x), 1, dtype=x.dtype), x], dim=1)


def bce_by_hand(X, y, w):
    """mean over points of -[y log p + (1 - y) log(1 - p)], p = sigmoid(X w), written with
    softplus(z) = log(1 + e^z) so it stays finite: per point softplus(z) - y z."""
    import torch

    z = X @ w  # (N,)
    return (torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs())) - y * z).mean()


def gradient_by_hand(X, y, w):
    """d BCE / d w = X^T (sigmoid(X w) - y) / N: the error times the input, averaged. (3,)"""
    import torch

    return X.T @ (torch.sigmoid(X @ w) - y) / len(y)


def gradient(r: Report, X, y) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("what it computes: p = sigmoid(w.x + b), loss = binary cross-entropy")
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)  # (3,) a random point to test at
    loss = bce_by_hand(X, y, w)
    ref = F.binary_cross_entropy_with_logits(X @ w, y)
    (auto,) = torch.autograd.grad(ref, w)
    hand = gradient_by_hand(X, y, w.detach())
    s.table(
        ["at a random w", "by hand", "PyTorch"],
        [["loss", loss, ref], *[[f"dloss/dw{i}", hand[i], auto[i]] for i in range(3)]],
    )
    s.note(
        "The gradient has the same shape as linear regression's: (prediction - target) times the "
        "input. The sigmoid's slope p(1 - p) cancels against the log in the cross-entropy."
    )
    r.check_close("BCE by hand == F.binary_cross_entropy_with_logits", loss, ref, atol=1e-12)
    r.check_close("gradient X^T (p - y) / N == autograd of the BCE", hand, auto, atol=1e-12)


def fit(r: Report, X, y):
    import torch

    s = r.section(f"training: {STEPS} gradient-descent steps from w = 0")
    # The BCE's curvature is at most lambda_max(X^T X) / (4 N) (p (1 - p) <= 1/4), so this step
    # size can never overshoot: the loss falls at every step.
    smooth = float(torch.linalg.eigvalsh(X.T @ X).max()) / (4 * len(y))
    lr = 1 / smooth
    w = torch.zeros(3, dtype=torch.float64)
    losses = []
    for _ in range(STEPS):
        losses.append(float(bce_by_hand(X, y, w)))
        w = w - lr * gradient_by_hand(X, y, w)
    losses.append(float(bce_by_hand(X, y, w)))
    s.scalar("learning rate 1 / L", lr)
    s.plot("training BCE per step", list(range(STEPS + 1)), bce=losses)
    s.tensor("w (bias, w1, w2)", w)
    rises = [t for t in range(STEPS) if losses[t + 1] > losses[t] + 1e-12]
    r.check(
        "with lr = 1 / L the training loss never rises",
        not rises,
        f"rises at steps {rises[:5]}" if rises else f"{losses[0]:.4f} down to {losses[-1]:.4f}",
        kind="property",
    )
    return w


def boundary(r: Report, train, held_out, w, sep: float) -> None:
    import torch

    s = r.section("the decision boundary, and held-out accuracy")
    x, labels = train
    s.scatter(
        "training points and the boundary w.x + b = 0 (p = 0.5)",
        class_0=(x[labels == 0, 0], x[labels == 0, 1]),
        class_1=(x[labels == 1, 0], x[labels == 1, 1]),
        boundary=line_points(w, x),
    )
    predicted = (w[0] + held_out[0] @ w[1:] > 0).long()
    acc = accuracy(predicted, held_out[1])
    majority = int(labels.bincount(minlength=2).argmax())
    base = accuracy(torch.full_like(held_out[1], majority), held_out[1])
    bayes = 0.5 * (1 + math.erf(sep / 2 / math.sqrt(2)))  # Phi(sep / 2): the best any rule can do
    s.table(
        ["rule", "held-out accuracy"],
        [
            ["predict the training majority", base],
            ["logistic regression", acc],
            ["best possible (Bayes)", bayes],
        ],
    )
    s.note(
        "Two round Gaussian classes of equal size are best split by the perpendicular bisector of "
        "their centers, a straight line, which is exactly the kind of boundary this model can draw: "
        "its held-out accuracy approaches Phi(sep / 2). Curved boundaries need features or a "
        "network (or `mlterms demo k-nearest neighbors`)."
    )
    r.effect(
        "held-out accuracy > the majority baseline + 0.25", acc > base + 0.25, f"{acc:.3f} vs {base:.3f}"
    )
    r.effect(
        "held-out accuracy within 0.05 of the Bayes rate", acc > bayes - 0.05, f"{acc:.3f} vs {bayes:.3f}"
    )


def line_points(w, x):
    """40 points along w0 + w1 x1 + w2 x2 = 0, inside the x1 range of the data (x2 clipped)."""
    import torch

    x1 = torch.linspace(float(x[:, 0].min()), float(x[:, 0].max()), 40, dtype=x.dtype)
    x2 = -(w[0] + w[1] * x1) / w[2] if abs(float(w[2])) > 1e-9 else torch.zeros_like(x1)
    keep = (x2 >= x[:, 1].min()) & (x2 <= x[:, 1].max())
    return x1[keep], x2[keep]
