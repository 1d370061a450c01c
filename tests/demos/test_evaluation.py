"""The evaluation demos, recomputed independently with numpy, closed forms and brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlterms.demos.hand import metrics

from .util import column, exercise, row, run, scalar, table, tensor

# -- the shared by-hand helpers -----------------------------------------------------------------


def test_confusion_matrix_puts_true_classes_in_rows():
    y, pred = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2]
    want = np.zeros((3, 3), dtype=int)
    np.add.at(want, (y, pred), 1)
    got = metrics.confusion_matrix(torch.tensor(y), torch.tensor(pred), 3).numpy()
    np.testing.assert_array_equal(got, want)
    assert metrics.binary_counts(torch.tensor([1, 1, 0, 0, 1]), torch.tensor([1, 0, 1, 0, 1])) == (2, 1, 1, 1)


# -- confusion matrix ----------------------------------------------------------------------------


def test_confusion_matrix_tables_follow_the_counts():
    report = run("confusion matrix", 3)
    t = table(report, "row sum")
    cm = np.array([r[1:4] for r in t.rows])
    assert column(t, "row sum") == cm.sum(1).tolist()
    classes = table(report, "recall: diagonal / row sum")
    assert column(classes, "recall: diagonal / row sum") == pytest.approx(np.diag(cm) / cm.sum(1))
    assert column(classes, "precision: diagonal / column sum") == pytest.approx(np.diag(cm) / cm.sum(0))
    off = cm - np.diag(np.diag(cm)) - np.eye(3, dtype=int)
    assert scalar(report, "largest off-diagonal cell (true, predicted)") == str(
        tuple(int(i) for i in np.unravel_index(off.argmax(), (3, 3)))
    )
    binary = table(report, "positive (1)")  # positive = class 2
    tn, fp = row(binary, "negative (0)")[1:]
    fn, tp = row(binary, "positive (1)")[1:]
    assert [tn, fp, fn, tp] == [
        f"TN {cm[:2, :2].sum()}",
        f"FP {cm[:2, 2].sum()}",
        f"FN {cm[2, :2].sum()}",
        f"TP {cm[2, 2]}",
    ]


def test_confusion_matrix_exercises():
    report = run("confusion matrix", 1)
    e = exercise(report, "cell-count")
    y, p = np.array(e.given["true"]), np.array(e.given["predicted"])
    assert e.answer == int(np.sum((y == 1) & (p == 2)))
    e = exercise(report, "accuracy-from-matrix")
    cm = np.array(e.given["confusion matrix"])
    assert e.answer == pytest.approx(np.trace(cm) / cm.sum())
    assert cm.sum() == report.params["n"]


# -- accuracy ------------------------------------------------------------------------------------


def phi(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_accuracy_small_table_and_closed_form():
    report = run("accuracy", 2)
    t = table(report, "right?")
    labels, preds = np.array(column(t, "label")), np.array(column(t, "prediction"))
    assert column(t, "right?") == ["yes" if a == b else "no" for a, b in zip(labels, preds, strict=True)]
    assert scalar(report, "accuracy on these 12") == pytest.approx(np.mean(labels == preds))
    w0, w1, b = tensor(report, "weights (w0, w1, b)").values
    norm = math.hypot(w0, w1)
    sep = report.params["sep"]
    want = 0.5 * phi((w0 * sep + b) / norm) + 0.5 * phi(-b / norm)
    closed = table(report, "true accuracy").rows[0][1]
    assert closed == pytest.approx(want)
    e = exercise(report, "accuracy-standard-error")
    assert e.answer == pytest.approx(np.sqrt(closed * (1 - closed) / report.params["n_test"]))


def test_accuracy_spread_shrinks_like_one_over_sqrt_n():
    def std(report):
        return row(table(report, "statistic"), "std of the test accuracies")[1]

    small, large = run("accuracy", 0), run("accuracy", 0, n_test=400)
    assert std(small) / std(large) == pytest.approx(2.0, rel=0.25)
