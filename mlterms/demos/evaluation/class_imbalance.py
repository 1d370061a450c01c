"""Class imbalance: when one class is rare, accuracy rewards ignoring it; recall, balanced accuracy
and reweighting the loss tell and fix it."""

from __future__ import annotations

from mlterms.demos.hand.metrics import (
    binary_counts,
    blobs,
    logistic_fit,
    logits_of,
    precision_recall_f1,
    ratio,
)
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SEP = 2.0  # distance between the class means along x0
N_TEST = 20_000


@demo(
    summary="Class imbalance: one class is much rarer than the other, so a model can score a high "
    "accuracy by always predicting the common class; judge it by recall, precision or balanced "
    "accuracy, and counter it by reweighting the loss or moving the threshold.",
    params=[
        Param("share", "float", 0.03, "share of positive (rare) examples", min=0.01, max=0.2),
        Param("n_train", "int", 2000, "training examples", min=500, max=5000),
    ],
)
def run(r: Report, *, share: float, n_train: int) -> None:
    X, y = blobs(n_train, 2, SEP, share)
    weight = float((1 - y).sum()) / max(float(y.sum()), 1.0)  # negatives per positive
    weighted_loss(r, X, y, weight)
    compare(r, X, y, weight, share)
    r.exercise(
        "majority-accuracy",
        "A test set has this share of positives. What accuracy does 'always predict negative' score?",
        1 - share,
        given={"share positive": share},
        tolerance=1e-3,
    )
    r.exercise(
        "majority-balanced-accuracy",
        "And its balanced accuracy, the mean of the recall on each class?",
        0.5,
        given={"share positive": share},
        tolerance=1e-3,
    )


def weighted_loss(r: Report, X, y, weight: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section(f"{len(y)} training examples, {int(y.sum())} positive: weight the rare class")
    s.note(
        "Reweighting multiplies each positive's loss by w = negatives / positives, so both classes add "
        f"the same total to the loss: here w = {weight:.1f}. By hand: "
        "loss = mean(-(w y log p + (1 - y) log(1 - p)))."
    )
    v = torch.randn(3, dtype=torch.float64, requires_grad=True)
    z = X @ v[:2] + v[2]  # (N,) logits of some model
    p, yf = torch.sigmoid(z), y.double()
    by_hand = (-(weight * yf * torch.log(p) + (1 - yf) * torch.log(1 - p))).mean()
    ref = F.binary_cross_entropy_with_logits(z, yf, pos_weight=torch.tensor(weight, dtype=torch.float64))
    (g_hand,), (g_ref,) = torch.autograd.grad(by_hand, v, retain_graph=True), torch.autograd.grad(ref, v)
    s.table(["loss at random weights", "value"],
            [["weighted BCE by hand", float(by_hand.detach())], ["F.binary_cross_entropy_with_logits", float(ref.detach())]])  # fmt: skip
    r.check_close("weighted BCE and its gradient by hand == F.binary_cross_entropy_with_logits(pos_weight=w)",
                  torch.cat([by_hand.detach()[None], g_hand]), torch.cat([ref.detach()[None], g_ref]), atol=1e-9)  # fmt: skip


def scores_of(y, pred) -> list[float]:
    """[accuracy, recall, precision, F1, balanced accuracy] of 0/1 predictions."""
    tp, fp, fn, tn = binary_counts(y, pred)
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)
    return [(tp + tn) / len(y), recall, precision, f1, (recall + ratio(tn, tn + fp)) / 2]


def compare(r: Report, X, y, weight: float, share: float) -> None:
    import torch

    s = r.section(f"on {N_TEST} fresh test examples, {share:.0%} positive")
    Xt, yt = blobs(N_TEST, 2, SEP, share)
    plain, weighted = logistic_fit(X, y), logistic_fit(X, y, pos_weight=weight)
    rows = {
        "always negative": scores_of(yt, torch.zeros_like(yt)),
        "logistic regression": scores_of(yt, (logits_of(plain, Xt) >= 0).long()),
        "logistic, positives weighted": scores_of(yt, (logits_of(weighted, Xt) >= 0).long()),
    }
    s.table(["classifier", "accuracy", "recall", "precision", "F1", "balanced accuracy"],
            [[name, *v] for name, v in rows.items()])  # fmt: skip
    s.note(
        "Always answering 'negative' scores an accuracy of 1 - share and finds no positive: accuracy "
        "cannot tell it from a model. Balanced accuracy (the mean of the two per-class recalls) puts it "
        "at 0.5. The plain fit minimises the average loss, which the common class dominates, so it calls "
        "few positives; weighting them trades a little accuracy for much more recall. Metrics for the "
        "rare class: `mlterms demo precision`, `mlterms demo recall`, `mlterms demo f1 score`."
    )
    const, model, fixed = rows.values()
    r.check_close("always negative: accuracy == share of negatives in the test set, balanced accuracy == 0.5",
                  torch.tensor([const[0], const[4]]), torch.tensor([float((yt == 0).double().mean()), 0.5]),
                  atol=1e-12, kind="property")  # fmt: skip
    r.effect(
        "accuracy is misleading: 'always negative' is within 2 points of the model's accuracy, with recall 0",
        const[0] > model[0] - 0.02 and const[1] == 0.0,
        f"{const[0]:.3f} vs {model[0]:.3f}",
        asserted=share <= 0.05,
    )
    r.effect(
        "weighting the positives raises the held-out recall and balanced accuracy",
        fixed[1] > model[1] + 0.1 and fixed[4] > model[4],
        f"recall {model[1]:.3f} -> {fixed[1]:.3f}, balanced {model[4]:.3f} -> {fixed[4]:.3f}",
    )
