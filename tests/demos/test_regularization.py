"""The regularization demos, recomputed independently: numpy, closed forms, optimality conditions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import registry
from mlterms.demos.hand.regularization import mse_grad, ridge_closed_form
from mlterms.demos.regularization.dropout import dropout_by_hand
from mlterms.demos.regularization.l1_regularization import fit_lasso, soft_threshold
from mlterms.demos.regularization.l2_regularization import adam_step

from .util import column, exercise, failures, row, run, table, tensor

NAMES = ["dropout", "l1 regularization", "l2 regularization"]


# --- dropout ------------------------------------------------------------------------------------------


def test_dropout_by_hand_numbers():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    keep = torch.tensor([1.0, 0.0, 1.0, 0.0])
    assert dropout_by_hand(x, keep, 0.5).tolist() == [2.0, 0.0, 6.0, 0.0]
    assert dropout_by_hand(x, keep, 0.75).tolist() == [4.0, 0.0, 12.0, 0.0]


@pytest.mark.parametrize(("seed", "p", "units"), [(4, 0.5, 8), (1, 0.3, 20), (2, 0.8, 5)])
def test_dropout_outputs_are_zero_or_scaled(seed, p, units):
    report = run("dropout", seed, p=p, units=units)
    x = np.array(tensor(report, "x").values)
    out = np.array(tensor(report, f"nn.Dropout(p={p:g})(x)").values)
    keep = np.array(tensor(report, "keep mask (by hand)").values)
    assert out == pytest.approx(x * keep / (1 - p))
    t = table(report, "keep mask")
    assert column(t, "dropped") == [m.split().count("0") for m in column(t, "keep mask")]
    assert exercise(report, "scale").answer == pytest.approx(1 / (1 - p))
    assert exercise(report, "expected-dropped").answer == pytest.approx(units * p)


def test_dropout_mean_count_is_binomial():
    report = run("dropout", 0, p=0.3, units=16)
    mean = row(table(report, "value"), "mean dropped per step")[1]
    assert mean == pytest.approx(16 * 0.3, abs=5 * math.sqrt(16 * 0.3 * 0.7 / 4000))


def test_dropout_lowers_held_out_loss_but_raises_train_loss():
    t = table(run("dropout", 3), "held-out MSE")
    plain, dropped = row(t, "p = 0 (no dropout)"), row(t, "p = 0.5")
    assert dropped[2] < plain[2] and dropped[1] > plain[1]


# --- l1 regularization ----------------------------------------------------------------------------------


def test_soft_threshold_numbers_and_no_negative_zero():
    w = torch.tensor([3.0, -0.5, 0.2, -2.0, 1.0])
    out = soft_threshold(w, 1.0)
    assert out.tolist() == [2.0, 0.0, 0.0, -1.0, 0.0]
    assert not torch.signbit(out[out == 0]).any()


def test_lasso_matches_closed_form_for_orthonormal_features():
    # with X^T X / N = I the lasso solution is soft_threshold(X^T y / N, lam / 2), coordinate by coordinate
    g = torch.Generator().manual_seed(0)
    n, d, lam = 50, 6, 0.4
    q, _ = torch.linalg.qr(torch.randn(n, d, generator=g, dtype=torch.float64))
    X = q * math.sqrt(n)  # (N, D) orthogonal columns, X^T X / N = I
    y = X @ torch.tensor([1.0, -0.1, 0.5, 0.05, -2.0, 0.0], dtype=torch.float64)
    y = y + 0.1 * torch.randn(n, generator=g, dtype=torch.float64)
    w_ols = (X.T @ y / n).numpy()
    expected = np.sign(w_ols) * np.maximum(np.abs(w_ols) - lam / 2, 0)
    assert fit_lasso(X, y, lam, lr=0.25).numpy() == pytest.approx(expected, abs=1e-10)
    assert int((expected == 0).sum()) >= 2  # the example really does zero some weights


@pytest.mark.parametrize(("seed", "lam"), [(0, 0.6), (2, 0.1), (3, 2.0)])
def test_l1_solution_meets_the_kkt_conditions(seed, lam):
    t = table(run("l1 regularization", seed, lam=lam), "condition")
    for _, w, g, _ in t.rows:
        if w == 0:
            assert abs(g) <= lam + 1e-8
        else:
            assert g == pytest.approx(-lam * np.sign(w), abs=1e-8)


def test_l1_exact_zeros_only_with_the_proximal_step():
    report = run("l1 regularization", 1)
    zeros = row(table(report, "count"), "weights exactly 0")
    assert zeros[1:] == [0, 0, 7]
    ex = exercise(report, "prox-zeros")
    assert ex.answer == int((np.abs(ex.given["w"]) <= ex.given["t"]).sum())


# --- l2 regularization ----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(lam=st.floats(0.0, 5.0), seed=st.integers(0, 10_000))
def test_ridge_closed_form_zeroes_the_gradient(lam, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(20, 3, generator=g, dtype=torch.float64)
    y = torch.randn(20, generator=g, dtype=torch.float64)
    w = ridge_closed_form(X, y, lam)
    assert (mse_grad(X, w, y) + 2 * lam * w).abs().max() < 1e-9
    Xn, yn = X.numpy(), y.numpy()
    assert w.numpy() == pytest.approx(np.linalg.solve(Xn.T @ Xn / 20 + lam * np.eye(3), Xn.T @ yn / 20))


@pytest.mark.parametrize("lam", [0.1, 1.5])
def test_l2_sgd_step_exercise(lam):
    ex = exercise(run("l2 regularization", 2, lam=lam), "one-step")
    g = ex.given
    assert ex.answer == pytest.approx((1 - 2 * g["lr"] * lam) * g["w0[0]"] - g["lr"] * g["grad[0]"])


def test_l2_u_curve():
    t = table(run("l2 regularization", 0), "validation MSE")
    norms, train, val = column(t, "||w||"), column(t, "train MSE"), column(t, "validation MSE")
    assert norms == sorted(norms, reverse=True) and train == sorted(train)
    assert 0 < val.index(min(val)) < len(val) - 1
    assert column(t, "weights exactly 0") == [0] * len(val)


def numpy_adam(p, grads_fn, steps, lr, wd, decoupled, b1=0.9, b2=0.999, eps=1e-8):
    p, m, v = np.array(p, dtype=float), 0.0, 0.0
    for t in range(1, steps + 1):
        g = grads_fn(p)
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return p


@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_step_matches_numpy(decoupled):
    target = np.array([1.0, -2.0, 0.0])
    p = torch.tensor([0.5, 0.5, 0.5], dtype=torch.float64)
    m, v = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    for t in range(1, 21):
        adam_step(p, 2 * (p - torch.tensor(target)), m, v, t, 0.05, 0.3, decoupled)
    expected = numpy_adam([0.5, 0.5, 0.5], lambda q: 2 * (q - target), 20, 0.05, 0.3, decoupled)
    assert p.numpy() == pytest.approx(expected, abs=1e-12)


def test_adam_weight_decay_and_adamw_differ_where_there_is_no_data_gradient():
    t = table(run("l2 regularization", 0, lam=0.1), "w[0] after 50 steps (pulled to 3)")
    adam_w1 = row(t, "Adam(weight_decay)")[1]
    assert row(t, "AdamW")[1] == pytest.approx((1 - 0.01 * 0.2) ** 50)
    assert adam_w1 < row(t, "AdamW")[1] - 0.1  # Adam's normalised step moves it much further


# --- every knob value: reference and property checks hold ----------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_checks_hold_at_sampled_knob_values(name):
    demo = registry.get(name)

    @settings(max_examples=6, deadline=None)
    @given(data=st.data())
    def check(data):
        values = {}
        for p in demo.params:
            draw = st.integers(int(p.min), int(p.max)) if p.type == "int" else st.floats(p.min, p.max)
            values[p.name] = data.draw(draw)
        report = registry.run(name, data.draw(st.integers(0, 4)), values)
        assert report.passed, failures(report)

    check()
