"""The evaluation demos, recomputed independently with numpy, closed forms and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlterms.demos.hand import metrics

from .util import column, exercise, row, run, scalar, table

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
