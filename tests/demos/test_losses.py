"""The losses demos, recomputed independently with numpy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos.hand.losses import l1_loss, sum_squared_error

from .util import column, exercise, row, run, scalar, table, tensor


def test_hand_losses_on_known_numbers():
    pred, target = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 1.0])
    assert l1_loss(pred, target) == pytest.approx(1.0)  # (1 + 0 + 2) / 3
    assert l1_loss(pred, target, "sum") == pytest.approx(3.0)
    assert sum_squared_error(pred, target) == pytest.approx(5.0)  # 1 + 0 + 4


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_hand_losses_match_numpy(n, d, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    p, t = torch.tensor(pred), torch.tensor(target)
    assert l1_loss(p, t) == pytest.approx(np.abs(pred - target).mean(), rel=1e-9, abs=1e-9)
    assert sum_squared_error(p, t) == pytest.approx(((pred - target) ** 2).sum(), rel=1e-9, abs=1e-9)


def test_l2_loss_divides_by_elements_not_items():
    report = run("l2 loss", 8, items=5, outputs=3)
    pred = np.array(tensor(report, "pred").values)
    target = np.array(tensor(report, "target").values)
    sse = ((pred - target) ** 2).sum()
    assert scalar(report, "L2 loss = sum of squared errors (by hand)") == pytest.approx(sse)
    assert row(table(report, "value"), "F.mse_loss (mean)")[1] == pytest.approx(sse / 15)
    assert exercise(report, "mse-divisor").answer == 15
    assert exercise(report, "grad-largest").answer == pytest.approx(2 * np.abs(pred - target).max())


def test_l1_loss_gradient_is_sign_over_n():
    report = run("l1 loss", 9)
    t = table(report, "d L1 / d pred")
    errors = column(t, "error")
    assert column(t, "d L1 / d pred") == pytest.approx([np.sign(e) / len(errors) for e in errors])
    given = exercise(report, "mae").given
    assert exercise(report, "mae").answer == pytest.approx(
        np.abs(np.array(given["pred"]) - np.array(given["target"])).mean()
    )


def test_l1_best_constant_is_the_median_and_beats_the_mean_held_out():
    report = run("l1 loss", 2, n=21)
    ex = exercise(report, "best-constant")
    assert ex.answer == pytest.approx(np.median(ex.given["targets"]))
    t = table(report, "held-out MAE")
    mean = row(t, "mean (argmin of MSE)")
    assert mean[1] == pytest.approx(np.mean(ex.given["targets"]))
    assert row(t, "median of the targets")[2] < mean[2]


def test_without_outliers_the_effect_is_not_asserted():
    report = run("l1 loss", 0, outlier=0.0)
    effect = [c for c in report.checks if c.kind == "effect"]
    assert effect and all(c.passed is None for c in effect)


# --- issue 12: cross-entropy, kl divergence, logits, loss, mean absolute error, mean squared error ---


def np_log_softmax(z):
    z = np.asarray(z, dtype=float)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def test_hand_cross_entropy_kl_and_bce_on_known_numbers():
    from mlterms.demos.hand.losses import bce_with_logits, cross_entropy, entropy, kl, soft_cross_entropy

    z = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]], dtype=torch.float64)
    assert cross_entropy(z, torch.tensor([0, 1])).tolist() == pytest.approx([math.log(2), math.log(4)])
    half = torch.full((2, 2), 0.5, dtype=torch.float64)
    assert soft_cross_entropy(z, half).tolist() == pytest.approx(
        [math.log(2), 0.5 * (math.log(4 / 3) + math.log(4))]
    )
    p = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64)
    q = torch.tensor([0.25, 0.25, 0.5], dtype=torch.float64)
    assert float(kl(p, q)) == pytest.approx(math.log(2))  # 0 log 0 counts as 0
    assert float(entropy(p)) == pytest.approx(math.log(2))
    big = torch.tensor([1000.0, -1000.0, 0.0])
    assert bce_with_logits(big, torch.tensor([0.0, 0.0, 1.0])).tolist() == pytest.approx(
        [1000.0, 0.0, math.log(2)]
    )


def test_cross_entropy_is_minus_log_softmax_at_the_label():
    report = run("cross-entropy", 3, batch=6, classes=5)
    z = np.array(tensor(report, "logits z (B, C)").values)
    t = table(report, "-log p(label)")
    labels = column(t, "label")
    want = -np_log_softmax(z)[np.arange(6), labels]
    assert column(t, "-log p(label)") == pytest.approx(want)
    assert row(table(report, "what is passed to F.cross_entropy"), "logits z (right)")[1] == pytest.approx(
        want.mean()
    )
    ex = exercise(report, "ce-first")
    assert ex.answer == pytest.approx(-np_log_softmax(ex.given["logits"])[ex.given["label"]])


def test_cross_entropy_gradient_is_p_minus_y():
    report = run("cross-entropy", 1)
    z = np.array(tensor(report, "logits z (B, C)").values)
    labels = column(table(report, "-log p(label)"), "label")
    want = np.exp(np_log_softmax(z))
    want[np.arange(len(labels)), labels] -= 1
    assert np.array(tensor(report, "autograd d loss / d z (reduction='sum')").values) == pytest.approx(want)
    ex = exercise(report, "grad-true-class")
    assert ex.answer == pytest.approx(np.exp(np_log_softmax(ex.given["logits"]))[ex.given["label"]] - 1)


def test_binary_cross_entropy_stable_form_costs_about_the_logit():
    report = run("cross-entropy", 0, big=300.0)
    t = table(report, "stable form")
    z, y = np.array(column(t, "logit z")), np.array(column(t, "label y"))
    want = np.logaddexp(0, z) - z * y  # log(1 + e^z) - z y, in float64
    assert column(t, "stable form") == pytest.approx(want, rel=1e-6)
    assert np.isinf(column(t, "naive form")[-1]) and column(t, "stable form")[-1] == pytest.approx(300.0)


def np_kl(p, q):
    p, q = np.asarray(p), np.asarray(q)
    return (p * np.log(p / q)).sum(axis=-1)


def test_kl_divergence_both_ways_round_and_its_reductions():
    report = run("kl divergence", 2, batch=5, classes=4)
    p = np.array(tensor(report, "p, the reference (B, C)").values)
    q = np.array(tensor(report, "q, the model (B, C)").values)
    t = table(report, "KL(q||p)")
    assert column(t, "KL(p||q)") == pytest.approx(np_kl(p, q))
    assert column(t, "KL(q||p)") == pytest.approx(np_kl(q, p))
    calls = table(report, "what it is")
    assert row(calls, "F.kl_div(q.log(), p)")[1] == pytest.approx(np_kl(p, q).mean())
    assert row(calls, "F.kl_div(p.log(), q)")[1] == pytest.approx(np_kl(q, p).mean())
    reductions = table(report, "reduction")
    assert row(reductions, "batchmean")[1] == pytest.approx(np_kl(p, q).sum() / 5)
    assert row(reductions, "mean")[1] == pytest.approx(np_kl(p, q).sum() / 20)
    assert exercise(report, "mean-divisor").answer == 20
    ex = exercise(report, "kl-first")
    assert ex.answer == pytest.approx(np_kl(ex.given["p"], ex.given["q"]))


def test_cross_entropy_is_entropy_plus_kl():
    report = run("kl divergence", 4)
    p = np.array(tensor(report, "p, the reference (B, C)").values)
    q = np.array(tensor(report, "q, the model (B, C)").values)
    t = table(report, "entropy H(p)")
    assert column(t, "entropy H(p)") == pytest.approx(-(p * np.log(p)).sum(-1))
    assert column(t, "cross-entropy H(p, q)") == pytest.approx(-(p * np.log(q)).sum(-1))


def test_logits_log_probs_are_logits_minus_logsumexp():
    report = run("logits", 1, classes=6)
    z = np.array(tensor(report, "logits z (B, C): any real numbers").values)
    lp = np.array(tensor(report, "log-probs z - logsumexp(z): <= 0").values)
    assert lp == pytest.approx(np_log_softmax(z))
    assert np.array(tensor(report, "softmax(z): in (0, 1), rows sum to 1").values) == pytest.approx(
        np.exp(lp)
    )
    ex = exercise(report, "log-prob")
    assert ex.answer == pytest.approx(np_log_softmax(ex.given["logits"])[0])
    ex = exercise(report, "predicted")
    assert ex.answer == int(np.argmax(ex.given["logits"]))


def test_logits_shift_moves_only_the_wrong_nll_loss():
    report = run("logits", 0, shift=-7.5)
    t = table(report, "on z")
    ce = row(t, "F.cross_entropy(logits)")
    assert ce[1] == pytest.approx(ce[2])
    assert row(t, "F.nll_loss(log_softmax(logits))")[1:] == pytest.approx(ce[1:])
    wrong = row(t, "F.nll_loss(logits): wrong")
    assert wrong[2] - wrong[1] == pytest.approx(7.5)  # -mean(z + c)[label] moves by -c


def test_logits_log_odds_table():
    t = table(run("logits", 0), "log-odds")
    p = np.array(column(t, "p"))
    assert column(t, "log-odds") == pytest.approx(np.log(p) - np.log1p(-p))


def test_loss_per_example_and_its_reductions():
    report = run("loss", 3, n=30)
    t = table(report, "logit")
    z, y = np.array(column(t, "logit")), np.array(column(t, "label"))
    assert column(t, "loss") == pytest.approx(np.logaddexp(0, z) - z * y)
    reductions = table(report, "reduction")
    assert row(reductions, "sum")[1] == pytest.approx(30 * row(reductions, "mean")[1])
    # at the start every logit is 0.5 and half the labels are 1: the mean is known in closed form
    assert row(reductions, "mean")[1] == pytest.approx(np.logaddexp(0, 0.5) - 0.25)
    ex = exercise(report, "batch-loss")
    zz, yy = np.array(ex.given["logits"]), np.array(ex.given["labels"])
    assert ex.answer == pytest.approx((np.logaddexp(0, zz) - zz * yy).mean())


def test_loss_gradient_by_hand_matches_finite_differences():
    from mlterms.demos.losses.loss import grad

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 2, size=7).astype(float)
    w, b = rng.normal(size=2), 0.3

    def mean_bce(p):
        z = X @ p[:2] + p[2]
        return (np.logaddexp(0, z) - z * y).mean()

    p, h = np.array([*w, b]), 1e-6
    want = [(mean_bce(p + h * e) - mean_bce(p - h * e)) / (2 * h) for e in np.eye(3)]
    got = grad(torch.tensor(X), torch.tensor(y), torch.tensor(w), torch.tensor(b, dtype=torch.float64))
    assert got.tolist() == pytest.approx(want, abs=1e-7)


def test_accuracy_is_flat_at_the_start_while_the_loss_is_not():
    t = table(run("loss", 0), "d / d b")
    assert row(t, "accuracy (finite differences)")[1:] == [0.0, 0.0, 0.0]
    assert any(abs(g) > 0.05 for g in row(t, "cross-entropy (by hand)")[1:])
    start = row(table(run("loss", 0), "held-out accuracy"), "start (descent on accuracy stays here)")
    assert start[1:] == pytest.approx([0.5, 0.5])  # class 1 for everyone, half of each set is class 1


def test_mae_minimiser_is_near_the_exponential_median_and_held_out_errors_match_closed_forms():
    report = run("mean absolute error", 1)
    grid = table(report, "training MAE")
    median, mean = row(grid, "torch.median")[1], row(grid, "torch.mean")[1]
    assert median == pytest.approx(10 * math.log(2), abs=1.5)  # exponential, mean 10: median 10 ln 2
    assert mean == pytest.approx(10, abs=1.5)
    assert row(grid, "argmin of MAE on the grid")[1] == pytest.approx(median, abs=0.2)
    held = table(report, "held-out MAE (minutes)")
    for name, c in (("median of the training targets", median), ("mean of the training targets", mean)):
        r = row(held, name)
        assert r[1] == pytest.approx(c)
        assert r[2] == pytest.approx(c - 10 + 20 * math.exp(-c / 10), abs=0.5)  # E|Y - c|
        assert r[3] == pytest.approx(100 + (c - 10) ** 2, abs=25)  # E(Y - c)^2 = var + bias^2


def test_mae_slope_is_a_count():
    report = run("mean absolute error", 2, n=40)
    ex = exercise(report, "slope")
    y, c = np.array(ex.given["targets"]), ex.given["c"]
    h = 1e-6
    want = (np.abs(y - c - h).mean() - np.abs(y - c + h).mean()) / (2 * h)
    assert ex.answer == pytest.approx(want, abs=1e-4)
    t = table(report, "(#below - #above) / n")
    assert all(v * 40 == pytest.approx(round(v * 40)) for v in column(t, "(#below - #above) / n"))


def test_mse_held_out_errors_match_the_closed_form_for_a_line():
    report = run("mean squared error", 3)
    t = table(report, "RMSE (m)")
    for r in t.rows:
        _, a, b, _, mse, rmse = r
        da, db = a - 0.5, b - 1.2  # against the true line 0.5 + 1.2 x, x ~ U[0, 1.5], noise sd 0.1
        assert mse == pytest.approx(da**2 + 2 * da * db * 0.75 + db**2 * 0.75 + 0.01, rel=0.1)
        assert rmse == pytest.approx(math.sqrt(mse))
    assert column(t, "MSE (m^2)")[1] > 20 * column(t, "MSE (m^2)")[0]
    ex = exercise(report, "rmse-cm")
    assert ex.answer == pytest.approx(100 * math.sqrt(ex.given["MSE (m^2)"]))
    ex = exercise(report, "leverage")
    assert 0 < ex.given["h"] < 1 and ex.answer == pytest.approx(ex.given["h"] * ex.given["d"])


def test_mse_best_constant_is_the_mean():
    t = table(run("mean squared error", 0, n=50), "value (m)")
    step = (2.5 - 0.5) / 2000  # the grid spans the targets, roughly 0.5 to 2.5 m
    assert row(t, "argmin of MSE on the grid")[1] == pytest.approx(row(t, "torch.mean")[1], abs=step)
