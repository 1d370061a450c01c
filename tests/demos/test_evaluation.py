"""The evaluation demos, recomputed independently with numpy, closed forms and brute force."""

from __future__ import annotations

import math
import re

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


def tail(z):
    """P(N(0, 1) >= z), by numpy's own route: not the demo's normal_tail."""
    return 1 - phi(z)


def test_precision_recall_f1_helpers_on_known_counts():
    scores = torch.tensor([0.9, 0.8, 0.7, 0.4, 0.3, 0.1], dtype=torch.float64)
    y = torch.tensor([1, 0, 1, 1, 0, 0])
    p, rec, f1 = metrics.at_threshold(scores, y, 0.5)  # calls 0.9, 0.8, 0.7: TP 2, FP 1, FN 1
    assert (p, rec) == pytest.approx((2 / 3, 2 / 3))
    assert f1 == pytest.approx(2 * p * rec / (p + rec))
    assert metrics.precision_recall_f1(0, 0, 3) == (0.0, 0.0, 0.0)


# -- precision -----------------------------------------------------------------------------------


def test_precision_columns_and_bayes_rule():
    report = run("precision", 1, mu=1.5)
    t = table(report, "precision TP / (TP + FP)")
    tp, fp = np.array(column(t, "TP")), np.array(column(t, "FP"))
    assert column(t, "precision TP / (TP + FP)") == pytest.approx(tp / (tp + fp))
    rates = table(report, "Bayes: pi TPR / (pi TPR + (1 - pi) FPR)")
    tpr, fpr = tail(1 - 1.5), tail(1.0)
    for pi, bayes in zip(column(rates, "share positive"), column(rates, rates.columns[-1]), strict=True):
        assert bayes == pytest.approx(pi * tpr / (pi * tpr + (1 - pi) * fpr))
    e = exercise(report, "precision-from-rates")
    g = e.given
    assert e.answer == pytest.approx(
        g["pi"] * g["TPR"] / (g["pi"] * g["TPR"] + (1 - g["pi"]) * g["FPR"]), abs=1e-3
    )


# -- recall --------------------------------------------------------------------------------------


def test_recall_follows_the_positives_tail_at_every_share():
    report = run("recall", 2, n=20000, t=0.5)
    recalls = column(table(report, "positives"), "recall")
    assert recalls == pytest.approx([tail(0.5 - 2.0)] * 3, abs=0.05)
    trivial = row(table(report, "classifier"), "call everything positive")
    title = next(s.title for s in report.sections if s.title.startswith("recall at every threshold"))
    n, positives = (int(w) for w in re.findall(r"\d+", title)[:2])
    assert trivial[1:] == pytest.approx([1.0, positives / n])


def test_recall_exercise_counts_the_positives_at_or_above_t():
    report = run("recall", 3, t=1.5)
    e = exercise(report, "recall-of-scores")
    assert e.answer == pytest.approx(np.mean(np.array(e.given["positive scores"]) >= e.given["t"]))


# -- f1 score ------------------------------------------------------------------------------------


def test_f1_is_the_harmonic_mean_in_every_row():
    report = run("f1 score", 0)
    t = table(report, "(P + R) / 2")
    p, rec = np.array(column(t, "precision P")), np.array(column(t, "recall R"))
    assert column(t, "F1") == pytest.approx(
        np.where(p * rec > 0, 2 * p * rec / np.maximum(p + rec, 1e-300), 0)
    )
    neg = table(report, "TN")
    assert row(neg, "plus 10x easy negatives")[1] == row(neg, "the test set")[1] + 10 * report.params["n"]
    assert exercise(report, "f1-of-p-and-r").answer == pytest.approx(1 / ((1 / 0.9 + 1 / 0.3) / 2))


def test_f1_accuracy_threshold_is_where_the_posterior_is_one_half():
    report = run("f1 score", 1, share=0.2)
    t_usual = table(report, "test F1").rows[0][1]
    # P(pos | s) = pi N(s; 2, 1) / (pi N(s; 2, 1) + (1 - pi) N(s; 0, 1)) = 1/2 at s = t_usual
    log_ratio = np.log(0.2 / 0.8) + (-((t_usual - 2.0) ** 2) + t_usual**2) / 2
    assert log_ratio == pytest.approx(0.0, abs=1e-9)


# -- roc curve -----------------------------------------------------------------------------------


def brute_roc(scores, y):
    """(FPR, TPR) at +inf and then at every distinct score, highest first, by direct counting."""
    s, y = np.asarray(scores), np.asarray(y)
    ts = [np.inf, *sorted(set(s.tolist()), reverse=True)]
    return [(np.mean(s[y == 0] >= t), np.mean(s[y == 1] >= t)) for t in ts]


def test_roc_points_with_ties_match_direct_counting():
    scores = [0.9, 0.5, 0.5, 0.5, 0.2, 0.1, 0.9]
    y = [1, 1, 0, 0, 1, 0, 0]
    fpr, tpr, thresholds = metrics.roc_points(torch.tensor(scores, dtype=torch.float64), torch.tensor(y))
    np.testing.assert_allclose(np.stack([fpr, tpr], 1), brute_roc(scores, y))
    assert thresholds.tolist() == [np.inf, 0.9, 0.5, 0.2, 0.1]
    rng = np.random.default_rng(0)
    s, lab = rng.normal(size=50).round(1), rng.integers(0, 2, 50)
    fpr, tpr, _ = metrics.roc_points(torch.tensor(s), torch.tensor(lab))
    np.testing.assert_allclose(np.stack([fpr, tpr], 1), brute_roc(s, lab))


def test_roc_closed_form_columns_and_exercise():
    report = run("roc curve", 1, mu=2.5)
    t = table(report, "P(N(0,1) >= t - mu)")
    for th, want_f, want_t in zip(
        column(t, "threshold"), column(t, "P(N(0,1) >= t)"), column(t, t.columns[-1]), strict=True
    ):
        assert (want_f, want_t) == pytest.approx((tail(th), tail(th - 2.5)))
    e = exercise(report, "one-roc-point")
    s, lab, th = np.array(e.given["scores"]), np.array(e.given["labels"]), e.given["t"]
    assert e.answer == pytest.approx([np.mean(s[lab == 0] >= th), np.mean(s[lab == 1] >= th)])


# -- area under the curve ------------------------------------------------------------------------


def test_auc_helpers_count_pairs_with_ties_as_half():
    from mlterms.demos.evaluation.area_under_the_curve import rank_sum_auc

    rng = np.random.default_rng(1)
    s, lab = rng.normal(size=40).round(1), rng.integers(0, 2, 40)
    wins = [1.0 if a > b else 0.5 if a == b else 0.0 for a in s[lab == 1] for b in s[lab == 0]]
    st, yt = torch.tensor(s), torch.tensor(lab)
    assert metrics.pairwise_auc(st, yt) == pytest.approx(np.mean(wins))
    assert rank_sum_auc(st, yt) == pytest.approx(np.mean(wins))
    fpr, tpr, _ = metrics.roc_points(st, yt)
    assert metrics.trapezoid(fpr, tpr) == pytest.approx(np.mean(wins))
    assert metrics.trapezoid(torch.tensor([0.0, 0.5, 1.0]), torch.tensor([1.0, 1.0, 1.0])) == pytest.approx(
        1.0
    )


def test_auc_closed_form_and_exercise():
    report = run("area under the curve", 2, mu=1.8)
    assert row(table(report, "value"), "Phi(mu / sqrt(2))")[1] == pytest.approx(phi(1.8 / math.sqrt(2)))
    e = exercise(report, "auc-by-pairs")
    pos, neg = e.given["positive scores"], e.given["negative scores"]
    wins = [1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg]
    assert e.answer == pytest.approx(np.mean(wins))
    methods = column(table(report, "method"), "AUC")
    assert methods == pytest.approx([methods[0]] * 3)


# -- class imbalance -----------------------------------------------------------------------------


def test_logistic_fit_is_a_stationary_point_of_the_weighted_penalised_loss():
    X, y = metrics.blobs(80, 3, 1.0, 0.3)
    lam, pw = 1e-2, 3.0
    w = metrics.logistic_fit(X, y, lam=lam, pos_weight=pw).requires_grad_(True)
    z = X @ w[:-1] + w[-1]
    bce = torch.nn.functional.binary_cross_entropy_with_logits(z, y.double(), pos_weight=torch.tensor(pw))
    # binary_cross_entropy_with_logits means over examples; the helper means over examples too
    (g,) = torch.autograd.grad(bce + lam / 2 * (w[:-1] ** 2).sum(), w)
    assert g.abs().max() < 1e-9


def test_logistic_fit_batches_and_masks_like_separate_fits():
    X, y = metrics.blobs(30, 2, 1.5)
    keep = torch.zeros(2, 30)
    keep[0, :20], keep[1, 10:] = 1.0, 1.0
    batched = metrics.logistic_fit(X.expand(2, -1, -1), y.expand(2, -1), mask=keep)
    separate = torch.stack([metrics.logistic_fit(X[:20], y[:20]), metrics.logistic_fit(X[10:], y[10:])])
    assert torch.allclose(batched, separate, atol=1e-10)
    assert torch.allclose(
        metrics.logits_of(batched, X.expand(2, -1, -1))[1], metrics.logits_of(separate[1], X)
    )


def test_class_imbalance_constant_classifier_and_exercises():
    report = run("class imbalance", 4)
    t = table(report, "balanced accuracy")
    const = row(t, "always negative")
    share = report.params["share"]
    assert const[2:] == [0.0, 0.0, 0.0, 0.5]
    assert const[1] == pytest.approx(1 - share, abs=4 * math.sqrt(share * (1 - share) / 20000))
    assert exercise(report, "majority-accuracy").answer == pytest.approx(1 - share)
    weighted, plain = row(t, "logistic, positives weighted"), row(t, "logistic regression")
    assert weighted[2] > plain[2]  # more recall
    assert weighted[3] < plain[3]  # for less precision


# -- calibration ---------------------------------------------------------------------------------


def test_reliability_bins_against_numpy():
    rng = np.random.default_rng(2)
    p, y = rng.uniform(size=300), rng.integers(0, 2, 300)
    p[0] = 1.0  # the top edge belongs to the last bin
    rows, ece = metrics.reliability(torch.tensor(p), torch.tensor(y), 5)
    which = np.minimum(np.digitize(p, np.linspace(0, 1, 6)[1:-1]), 4)
    want = sum(np.mean(which == b) * abs(p[which == b].mean() - y[which == b].mean()) for b in range(5))
    assert ece == pytest.approx(want)
    assert [r[2] for r in rows] == [int(np.sum(which == b)) for b in range(5)]


def ece_of(t):
    counts, gaps = np.array(column(t, "examples")), np.array(column(t, "gap"))
    return float(np.sum(counts / counts.sum() * np.abs(gaps)))


def test_calibration_ece_follows_the_tables():
    report = run("calibration", 1, bins=8)
    before, after = [
        t
        for t in (it for s in report.sections for it in s.items)
        if getattr(t, "columns", [None])[-1:] == ["gap"]
    ]
    assert scalar(
        report, "ECE = sum over bins of (count / N) |mean predicted - share positive|"
    ) == pytest.approx(ece_of(before))
    summary = table(report, "ECE")
    assert row(summary, "after")[1] == pytest.approx(ece_of(after))
    assert row(summary, "after")[2:] == row(summary, "before")[2:]  # accuracy and AUC
    assert len(before.rows) <= 8 and sum(column(before, "examples")) == 5000


# -- cross-validation ----------------------------------------------------------------------------


def test_kfold_sizes_and_cover():
    folds = metrics.kfold(23, 4, torch.Generator().manual_seed(0))
    assert [len(v) for _, v in folds] == [6, 6, 6, 5]
    assert sorted(torch.cat([v for _, v in folds]).tolist()) == list(range(23))
    assert all(set(t.tolist()).isdisjoint(v.tolist()) and len(t) + len(v) == 23 for t, v in folds)


def test_cross_validation_table_and_exercise():
    report = run("cross-validation", 2, n=37, k=5)
    e = exercise(report, "fold-sizes")
    q, extra = divmod(37, 5)
    assert e.answer == [q + (i < extra) for i in range(5)]
    t = table(report, "held-out indices")
    held = sorted(int(i) for cell in column(t, "held-out indices") for i in cell.split())
    assert held == list(range(37))
    assert [a + b for a, b in zip(column(t, "trained on"), column(t, "held out"), strict=True)] == [37] * 5


# -- data leakage --------------------------------------------------------------------------------


def test_data_leakage_correlations_against_numpy():
    from mlterms.demos.evaluation.data_leakage import correlations

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    want = [np.corrcoef(X[:, j], y)[0, 1] for j in range(4)]
    assert correlations(torch.tensor(X), torch.tensor(y)).numpy() == pytest.approx(want)


def test_data_leakage_grows_with_the_features_searched():
    few, many = run("data leakage", 0, features=100), run("data leakage", 0, features=1000)

    def leaky(report):
        return row(table(report, "pipeline"), "select on all rows, then split (leak)")[1]

    assert leaky(many) > leaky(few)  # more noise features to choose from, more chance fit
    clean = row(table(many, "pipeline"), "split, then select on training rows")
    assert clean[1] == pytest.approx(0.5, abs=0.12) and clean[2] == pytest.approx(0.5, abs=0.03)


# -- test set ------------------------------------------------------------------------------------


def test_binomial_max_mean_against_enumeration():
    from itertools import product

    from mlterms.demos.evaluation.test_set import binomial_max_mean

    n, p = 3, 0.6  # two models: enumerate all 2^6 right/wrong patterns
    total = 0.0
    for pattern in product([0, 1], repeat=2 * n):
        prob = np.prod([p if b else 1 - p for b in pattern])
        total += prob * max(sum(pattern[:n]), sum(pattern[n:])) / n
    assert binomial_max_mean(n, p, 2) == pytest.approx(total)
    assert binomial_max_mean(5, 0.3, 1) == pytest.approx(0.3)  # one model: just its mean


def test_test_set_tables():
    report = run("test set", 0, models=5)
    t = table(report, "validation accuracy")
    best = row(t, "the best of 5: exact E[max] from the binomial CDF")[1]
    assert best > row(t, "each model's true accuracy")[1]
    e = exercise(report, "best-of-two")
    from mlterms.demos.evaluation.test_set import binomial_max_mean

    assert e.answer == pytest.approx(binomial_max_mean(e.given["n"], e.given["p"], e.given["models"]))
    assert e.answer > 0.7
    picks = table(report, "true accuracy (exact)")
    assert len(picks.rows) == 2 and all(0.5 <= r[3] <= 1 for r in picks.rows)
