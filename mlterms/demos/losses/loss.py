"""Loss: one number per example, reduced to one per batch, that gradient descent drives down."""

from __future__ import annotations

from mlterms.demos.hand.losses import bce_with_logits
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A loss is a single number saying how wrong the predictions are, per example and reduced "
    "over a batch; training makes it small, and its gradient w.r.t. the params drives every update.",
    params=[
        Param("n", "int", 40, "training points (half per class)", min=10, max=400),
        Param("lr", "float", 0.5, "learning rate of the hand gradient descent", min=0.01, max=2.0),
        Param("steps", "int", 100, "gradient steps", min=1, max=300),
    ],
)
def run(r: Report, *, n: int, lr: float, steps: int) -> None:
    import torch

    X, y = blobs(n)
    X_val, y_val = blobs(1000)  # held out: never trained on
    w, b = torch.zeros(2, dtype=torch.float64), torch.tensor(0.5, dtype=torch.float64)  # predicts class 1
    per_example(r, X, y, w, b)
    w_ce, b_ce = descend(r, X, y, w, b, lr, steps)
    metric(r, X, y, X_val, y_val, (w, b), (w_ce, b_ce))


def blobs(n: int):
    """n points in 2-D, two Gaussian classes centred at -mu and +mu: X (n, 2), y (n,) in {0, 1}."""
    import torch

    y = (torch.arange(n) % 2).to(torch.float64)  # (n,)
    mu = torch.tensor([1.0, 0.7], dtype=torch.float64)
    return (2 * y[:, None] - 1) * mu + torch.randn(n, 2, dtype=torch.float64), y


def per_example(r: Report, X, y, w, b) -> None:
    import torch.nn.functional as F

    s = r.section("one loss per example, then a reduction")
    z = X @ w + b  # (n,) logits of a linear classifier
    per = bce_with_logits(z, y)  # (n,)
    s.table(
        ["example", "x1", "x2", "label", "logit", "loss"],
        [[i, X[i, 0], X[i, 1], y[i], z[i], per[i]] for i in range(6)],
        title="the start: w = 0, b = 0.5 (class 1 for everyone)",
    )
    s.table(
        ["reduction", "value"],
        [["none (n numbers)", f"{len(per)} values"], ["mean", per.mean()], ["sum", per.sum()]],
    )
    s.note(
        "The loss function gives each example a number (here binary cross-entropy); the reduction "
        "turns them into the one number the optimiser sees. 'mean' keeps the scale independent of n."
    )
    r.check_close(
        "per-example loss by hand == F.binary_cross_entropy_with_logits(reduction='none')",
        per,
        F.binary_cross_entropy_with_logits(z, y, reduction="none"),
        atol=1e-12,
    )
    r.exercise(
        "batch-loss",
        "What is the mean binary cross-entropy of these logits against these labels?",
        per[:4].mean(),
        given={"logits": z[:4], "labels": y[:4]},
        tolerance=1e-3,
    )


def descend(r: Report, X, y, w, b, lr: float, steps: int):
    import torch

    s = r.section("the number the optimiser drives down")
    wb = torch.cat([w, b[None]]).requires_grad_()  # (3,) parameters [w1, w2, b]
    bce_with_logits(X @ wb[:2] + wb[2], y).mean().backward()
    r.check_close(
        "gradient by hand X^T (sigmoid(z) - y) / n == autograd", grad(X, y, w, b), wb.grad, atol=1e-12
    )
    curve = []
    for _ in range(steps):
        curve.append(float(bce_with_logits(X @ w + b, y).mean()))
        g = grad(X, y, w, b)  # (3,)
        w, b = w - lr * g[:2], b - lr * g[2]
    final = float(bce_with_logits(X @ w + b, y).mean())
    s.plot("training loss per step", list(range(steps + 1)), loss=[*curve, final])
    s.note(
        "Each step moves the parameters against the gradient of the mean loss: "
        "(w, b) <- (w, b) - lr * d loss / d (w, b)."
    )
    r.check(
        "the training loss went down", final < curve[0], f"{curve[0]:.4f} -> {final:.4f}", kind="property"
    )
    return w, b


def grad(X, y, w, b):
    """d mean BCE / d [w1, w2, b] = [X^T (sigmoid(z) - y), sum(sigmoid(z) - y)] / n, z = X w + b: (3,)."""
    import torch

    e = torch.sigmoid(X @ w + b) - y  # (n,)
    return torch.cat([X.T @ e, e.sum()[None]]) / len(y)


def accuracy(X, y, w, b) -> float:
    return float(((X @ w + b > 0).to(y.dtype) == y).to(y.dtype).mean())


def metric(r: Report, X, y, X_val, y_val, start, trained) -> None:
    import torch

    s = r.section("the metric you care about is not the loss you train on")
    w, b = start
    h = 1e-4
    steps = torch.eye(3, dtype=torch.float64) * h  # (3, 3) one nudge per parameter
    fd = [
        (accuracy(X, y, w + e[:2], b + e[2]) - accuracy(X, y, w - e[:2], b - e[2])) / (2 * h) for e in steps
    ]
    s.table(
        ["at the start", "d / d w1", "d / d w2", "d / d b"],
        [["accuracy (finite differences)", *fd], ["cross-entropy (by hand)", *grad(X, y, w, b).tolist()]],
    )
    s.note(
        "Accuracy only changes when a prediction flips, so it is flat almost everywhere: its gradient "
        "is 0 and gradient descent on it never moves. Cross-entropy is smooth, so you train on it and "
        "report accuracy."
    )
    r.check("accuracy has zero gradient at the start", all(g == 0 for g in fd), str(fd), kind="property")
    start_val, trained_val = accuracy(X_val, y_val, *start), accuracy(X_val, y_val, *trained)
    rows = [
        ["start (descent on accuracy stays here)", accuracy(X, y, *start), start_val],
        ["trained on cross-entropy", accuracy(X, y, *trained), trained_val],
    ]
    s.table(["parameters", "train accuracy", "held-out accuracy"], rows)
    gain = trained_val - start_val
    r.effect("training on cross-entropy raises held-out accuracy by > 0.2", gain > 0.2, f"+{gain:.3f}")
