"""Supervised learning: a classifier fitted to labelled pairs (x, y); the labels are the teacher."""

from __future__ import annotations

import math

from mlterms.demos.hand.learning import accuracy, one_hot
from mlterms.demos.hand.training import gd
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

CLASSES = 3
STEPS, LR = 60, 1.0
SHUFFLES = 4  # fits on shuffled labels, averaged: one can match the classes by luck


def blobs(n: int, centres):
    """n labelled points: a random class each, x = its centre + N(0, I). Returns x (n, 2), y (n,)."""
    import torch

    y = torch.randint(0, CLASSES, (n,))
    return centres[y] + torch.randn(n, 2, dtype=centres.dtype), y


def fit(x, labels):
    """Softmax regression by full-batch gradient descent on the cross-entropy, one fit per row of
    labels (S, N), all at once: the losses add up, and each (W, b) gets only its own gradient.
    Returns W (S, 2, 3), b (S, 1, 3) and the first fit's training loss per step."""
    import torch
    import torch.nn.functional as F

    fits = len(labels)
    w = torch.zeros(fits, 2, CLASSES, dtype=x.dtype, requires_grad=True)
    b = torch.zeros(fits, 1, CLASSES, dtype=x.dtype, requires_grad=True)

    first: list[float] = []

    def loss():  # (S, N, 3) logits; the sum over fits of each fit's mean cross-entropy
        each = F.cross_entropy((x @ w + b).transpose(1, 2), labels, reduction="none").mean(1)  # (S,)
        first.append(float(each[0].detach()))
        return each.sum()

    gd([w, b], loss, LR, STEPS)
    return w.detach(), b.detach(), first


@demo(
    summary="Supervised learning fits a model to examples that come with the right answer (a label): "
    "the loss compares each prediction with its label, so the labels decide what is learned.",
    params=[Param("n", "int", 30, "labelled training examples", min=6, max=300)],
)
def run(r: Report, *, n: int) -> None:
    import torch
    import torch.nn.functional as F

    dt = torch.float64
    angle = 2 * math.pi * (torch.rand(1, dtype=dt) + torch.arange(CLASSES, dtype=dt) / CLASSES)  # (3,)
    centres = 2.5 * torch.stack([angle.cos(), angle.sin()], 1)  # (3, 2) unknown to the learner
    x, y = blobs(n, centres)  # (n, 2), (n,) the labelled training set
    x_test, y_test = blobs(500, centres)  # held out: never used for fitting

    s = r.section("1. where the labels come from: someone gave them")
    s.table(
        ["way of learning", "the training signal"],
        [
            ["supervised", "a label for every input, given from outside (people, measurements)"],
            ["unsupervised", "no labels: model the inputs themselves (density, clusters)"],
            ["self-supervised", "labels made from the input itself (a hidden part to predict)"],
        ],
    )
    s.table(["x1", "x2", "label"], [[float(a), float(b), int(c)] for (a, b), c in zip(x[:5], y[:5], strict=True)],
            title=f"the first 5 of {n} labelled examples")  # fmt: skip
    gradient_check(r, x, y)

    shuffled = [y[torch.randperm(n)] for _ in range(SHUFFLES)]  # the labels moved to other inputs
    ws, bs, losses = fit(x, torch.stack([y, *shuffled]))  # (1 + SHUFFLES, 2, 3), (1 + SHUFFLES, 1, 3)
    w, b = ws[0], bs[0, 0]  # the fit to the true labels
    s = r.section(f"2. fit softmax(x W + b) to the labels: {STEPS} gradient steps")
    s.plot("training cross-entropy", list(range(0, len(losses), 2)), loss=losses[::2])
    acc, acc_shuffled = (
        accuracy(x_test @ w + b, y_test),
        sum(accuracy(x_test @ ws[i] + bs[i], y_test) for i in range(1, SHUFFLES + 1)) / SHUFFLES,
    )
    majority = float((y_test == torch.bincount(y, minlength=CLASSES).argmax()).double().mean())
    s.table(
        ["trained on", "held-out accuracy"],
        [
            ["the true labels", acc],
            [f"shuffled labels (mean of {SHUFFLES})", acc_shuffled],
            ["no fit: the majority label", majority],
        ],
        title="500 held-out examples",
    )
    s.note("With the labels shuffled, the same model and the same steps learn nothing that carries over: what a "
           "supervised model learns is the link between x and its label. See also unsupervised learning and "
           "self-supervised learning, which do without given labels.")  # fmt: skip
    r.check("the training loss falls below its start, log 3", losses[-1] < losses[0], f"{losses[-1]:.3f} < {losses[0]:.3f}",
            kind="property")  # fmt: skip
    r.effect("true labels beat shuffled labels on held-out data", acc > acc_shuffled + 0.15,
             f"{acc:.2f} vs {acc_shuffled:.2f}")  # fmt: skip
    r.effect(
        "the fit beats always answering the majority label",
        acc > majority + 0.15,
        f"{acc:.2f} vs {majority:.2f}",
    )
    probs = F.softmax(x[:1] @ w + b, -1)[0]
    r.exercise("predict-class", "With these W (2, 3) and b (3,), which class does the model give the point x?",
               int(probs.argmax()), given={"x": x[0], "W": w, "b": b})  # fmt: skip


def gradient_check(r: Report, x, y) -> None:
    """The cross-entropy gradient of softmax regression: x^T (softmax(x W + b) - onehot(y)) / N."""
    import torch
    import torch.nn.functional as F

    w = 0.1 * torch.randn(2, CLASSES, dtype=x.dtype, requires_grad=True)
    b = torch.zeros(CLASSES, dtype=x.dtype, requires_grad=True)
    gw, gb = torch.autograd.grad(F.cross_entropy(x @ w + b, y), [w, b])
    err = (F.softmax(x @ w + b, -1) - one_hot(y, CLASSES, x.dtype)).detach() / len(y)  # (N, 3)
    r.check_close("gradient by hand x^T (p - onehot(y)) / N == autograd of F.cross_entropy",
                  torch.cat([x.T @ err, err.sum(0, keepdim=True)]), torch.cat([gw, gb[None]]), atol=1e-12)  # fmt: skip
