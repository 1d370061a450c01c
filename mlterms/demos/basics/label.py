"""Label: the answer part of an example, as class indices, one-hot targets or regression targets."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def cross_entropy_by_hand(logits, target_probs) -> float:
    """Mean over examples of -sum_c target_c * log softmax(logits)_c, with plain loops. (N, K), (N, K)."""
    import math

    total = 0.0
    for z, t in zip(logits.tolist(), target_probs.tolist(), strict=True):
        top = max(z)
        log_norm = top + math.log(sum(math.exp(v - top) for v in z))  # log sum exp, stably
        total += -sum(tc * (zc - log_norm) for zc, tc in zip(z, t, strict=True))
    return total / len(logits)


@demo(
    summary="A label is the result part of an example, the answer the model should learn to predict: "
    "a class (as an index or a one-hot target) or a number; the loss compares the prediction with it.",
    params=[
        Param("classes", "int", 4, "K, classes of the classification task", min=2, max=10),
        Param("batch", "int", 6, "N, examples in the batch", min=2, max=16),
        Param(
            "smoothing", "float", 0.1, "label smoothing: the share moved to the other classes", min=0, max=0.5
        ),
    ],
)
def run(r: Report, *, classes: int, batch: int, smoothing: float) -> None:
    import torch
    import torch.nn.functional as F

    K, N = classes, batch
    logits = torch.randn(N, K, dtype=torch.float64)  # (N, K): a classifier's outputs
    y = torch.randint(0, K, (N,))  # (N,) class indices, int64: the labels
    s = r.section("classification labels: one class index per example")
    s.tensor(f"logits (N={N}, K={K})", logits)
    s.tensor("labels y (N,), dtype int64", y)
    hot = torch.zeros(N, K, dtype=torch.float64)
    hot[torch.arange(N), y] = 1.0  # (N, K) one-hot targets
    ce = cross_entropy_by_hand(logits, hot)
    s.scalar("cross-entropy by hand: mean of -log softmax(z)[y]", ce)
    r.check_close("by hand == F.cross_entropy(logits, class indices)", ce, F.cross_entropy(logits, y), 1e-12)
    s.note(
        "F.cross_entropy takes the labels as class indices (N,) of dtype int64, not as one column per "
        "class: the loss is -log of the probability the model gives the labelled class."
    )
    r.exercise(
        "ce-one",
        "Cross-entropy of one example: these logits, labelled class c. What is -log softmax(z)[c]?",
        -torch.log_softmax(logits[0], dim=0)[y[0]],
        given={"z": logits[0], "c": int(y[0])},
        tolerance=1e-3,
    )

    s = r.section("the same labels as one-hot targets")
    s.tensor("one-hot targets (N, K), by hand", hot)
    r.check_close("one-hot by hand == F.one_hot", hot, F.one_hot(y, K).double(), atol=0)
    r.check_close(
        "F.cross_entropy with one-hot probabilities == with class indices",
        F.cross_entropy(logits, hot),
        F.cross_entropy(logits, y),
        1e-12,
    )
    soft = (1 - smoothing) * hot + smoothing / K  # (N, K): label smoothing spreads eps over all K classes
    r.check_close(
        f"label_smoothing={smoothing:g} == cross-entropy against (1 - eps) one-hot + eps / K",
        F.cross_entropy(logits, y, label_smoothing=smoothing),
        cross_entropy_by_hand(logits, soft),
        1e-12,
    )
    z = logits.clone().requires_grad_()
    F.cross_entropy(z, y).backward()
    s.note(
        "A target can also be a probability for each class (soft labels: label smoothing, a teacher's "
        "outputs in distilling). The gradient shows what the label does in training: "
        "dL/dz = (softmax(z) - target) / N pulls the labelled class up and every other class down."
    )
    r.check_close(
        "autograd dL/dz == (softmax(z) - one-hot) / N", z.grad, (torch.softmax(logits, 1) - hot) / N, 1e-12
    )
    regression(r, N)


def regression(r: Report, N: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("regression targets: one number per example")
    target = 200 + 50 * torch.randn(N, dtype=torch.float64)  # (N,) e.g. prices in k$
    pred = (target + 20 * torch.randn(N, dtype=torch.float64))[:, None]  # (N, 1): a model's outputs
    right = float(((pred[:, 0] - target) ** 2).mean())
    broadcast = pred - target  # (N, 1) - (N,) broadcasts to (N, N): every pred against every target
    s.table(
        ["pred shape", "target shape", "pred - target shape", "mean squared error"],
        [
            [
                str(tuple(pred.shape)),
                str(tuple(target.shape)),
                str(tuple(broadcast.shape)),
                (broadcast**2).mean(),
            ],
            [str((N,)), str((N,)), str((N,)), right],
        ],
        title="a label must have the shape of the prediction",
    )
    r.check_close(
        "MSE by hand (pred squeezed to (N,)) == F.mse_loss", right, F.mse_loss(pred[:, 0], target), 1e-9
    )
    s.note(
        "A regression label is a float, one per output. A model's output has shape (N, 1); against "
        "labels of shape (N,) the difference broadcasts to (N, N) and the loss compares every prediction "
        "with every label (F.mse_loss warns). Reshape the labels to (N, 1) or squeeze the output."
    )
    r.exercise(
        "broadcast-shape",
        "pred has shape (N, 1) and target has shape (N,). What is the shape of pred - target?",
        tuple(broadcast.shape),
        given={"pred shape": [N, 1], "target shape": [N]},
    )
