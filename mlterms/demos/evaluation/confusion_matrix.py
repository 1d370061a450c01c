"""Confusion matrix: a table of (true class, predicted class) counts, and what it shows that accuracy hides."""

from __future__ import annotations

from mlterms.demos.hand.metrics import binary_counts, confusion_matrix, ratio
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

CLASSES = 3


@demo(
    summary="A confusion matrix counts, for every pair (true class, predicted class), how many examples "
    "fall there: the diagonal is right, each off-diagonal cell is one particular mistake, and every "
    "other metric (accuracy, precision, recall) is read off it.",
    params=[
        Param("n", "int", 90, "test examples", min=30, max=600),
        Param(
            "gap",
            "float",
            0.8,
            "distance between the means of classes 1 and 2 (0 and 1 are 3 apart)",
            min=0.1,
            max=3.0,
        ),
    ],  # fmt: skip
)
def run(r: Report, *, n: int, gap: float) -> None:
    import torch

    y = torch.randint(0, CLASSES, (n,))  # (N,) true classes
    means = torch.tensor([0.0, 3.0, 3.0 + gap], dtype=torch.float64)
    x = means[y] + torch.randn(n, dtype=torch.float64)  # one feature per example
    pred = (x[:, None] - means[None, :]).abs().argmin(1)  # (N,) nearest class mean
    cm = counting(r, y, pred, means)
    per_class(r, cm, gap)
    binary(r, y, pred)
    small_y, small_p = y[:10], pred[:10]
    r.exercise(
        "cell-count",
        "How many of these examples are of true class 1 and predicted as class 2 (the cell [1, 2])?",
        int(((small_y == 1) & (small_p == 2)).sum()),
        given={"true": small_y, "predicted": small_p},
    )
    r.exercise(
        "accuracy-from-matrix",
        "Accuracy from this confusion matrix (rows true, columns predicted)?",
        float(cm.diagonal().sum()) / n,
        given={"confusion matrix": cm},
        tolerance=1e-3,
    )


def counting(r: Report, y, pred, means):
    import torch

    s = r.section(f"{CLASSES} classes, {len(y)} test examples: count each (true, predicted) pair")
    s.note(
        f"One feature x = mean[class] + N(0, 1) with class means {[round(float(m), 2) for m in means]}; "
        "the classifier predicts the class whose mean is nearest. Row = true class, column = predicted."
    )
    s.tensor("first 12 true classes", y[:12])
    s.tensor("first 12 predictions", pred[:12])
    cm = confusion_matrix(y, pred, CLASSES)  # (C, C)
    s.table(["true \\ predicted", *map(str, range(CLASSES)), "row sum"],
            [[str(i), *cm[i].tolist(), int(cm[i].sum())] for i in range(CLASSES)])  # fmt: skip
    ref = torch.bincount(CLASSES * y + pred, minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)
    r.check_equal("one_hot(y)^T @ one_hot(pred) == torch.bincount(C y + pred)", cm.tolist(), ref.tolist(),
                  kind="reference")  # fmt: skip
    r.check_equal(
        "row sums == how many examples of each true class",
        cm.sum(1).tolist(),
        [int((y == c).sum()) for c in range(CLASSES)],
        kind="property",
    )
    r.check_equal(
        "column sums == how many predictions of each class",
        cm.sum(0).tolist(),
        [int((pred == c).sum()) for c in range(CLASSES)],
        kind="property",
    )
    acc = float((pred == y).double().mean())
    r.check_close("trace / N == mean(pred == y), the accuracy", float(cm.trace()) / len(y), acc, atol=1e-12,
                  kind="property")  # fmt: skip
    return cm


def per_class(r: Report, cm, gap: float) -> None:
    s = r.section("what accuracy hides: which classes are confused")
    rows = []
    for c in range(CLASSES):
        rows.append(
            [c, ratio(float(cm[c, c]), float(cm[c].sum())), ratio(float(cm[c, c]), float(cm[:, c].sum()))]
        )
    s.table(["class", "recall: diagonal / row sum", "precision: diagonal / column sum"], rows)
    off = cm.clone()
    off.fill_diagonal_(-1)
    worst = divmod(int(off.argmax()), CLASSES)
    s.scalar("largest off-diagonal cell (true, predicted)", str(worst))
    s.note(
        f"Classes 1 and 2 are {gap:g} apart, 0 and 1 are 3 apart: one accuracy number averages a class "
        "that is nearly always right with two that are often swapped. The cell says which mistake, "
        "which is what you need to fix it (more features for 1 vs 2, more data of one class, ...)."
    )
    one_two = int(cm[1, 2] + cm[2, 1])
    with_zero = int(cm[0, 1:].sum() + cm[1:, 0].sum())
    r.effect(
        "close classes get confused: mistakes between 1 and 2 outnumber all mistakes involving 0",
        one_two > with_zero,
        f"{one_two} vs {with_zero}",
        asserted=gap <= 1.0,
    )


def binary(r: Report, y, pred) -> None:
    s = r.section("two classes: TP, FP, FN, TN")
    yb, pb = (y == 2).long(), (pred == 2).long()  # "is it class 2?" as a yes/no question
    tp, fp, fn, tn = binary_counts(yb, pb)
    s.table(
        ["true \\ predicted", "negative (0)", "positive (1)"],
        [["negative (0)", f"TN {tn}", f"FP {fp}"], ["positive (1)", f"FN {fn}", f"TP {tp}"]],
        title="positive = class 2; everything else negative",
    )
    s.note(
        "The 2x2 case names its cells: a false positive is a negative called positive. Precision = "
        "TP / (TP + FP) and recall = TP / (TP + FN) come from one column and one row: `mlterms demo "
        "precision`, `mlterms demo recall`."
    )
    r.check_equal(
        "binary counts == elementwise (y, pred) comparisons",
        [tp, fp, fn, tn],
        [int(((yb == a) & (pb == b)).sum()) for a, b in ((1, 1), (0, 1), (1, 0), (0, 0))],
        kind="reference",
    )
