"""The optimization demos, recomputed independently with numpy, closed forms and enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from mlterms.demos.hand.descent import adam_step, bowl, central_differences, momentum_step, rotation
from mlterms.demos.optimization import autograd, gradient, gradient_descent, stochastic_gradient_descent

from .util import column, exercise, row, run, table

f64 = torch.float64


# --- hand/descent.py -------------------------------------------------------------------------------


def test_momentum_step_on_known_numbers():
    p, buf = momentum_step(torch.tensor([1.0]), torch.tensor([2.0]), None, lr=0.1, momentum=0.9)
    assert buf.item() == pytest.approx(2.0) and p.item() == pytest.approx(0.8)  # first step: buf = g
    p, buf = momentum_step(p, torch.tensor([1.0]), buf, lr=0.1, momentum=0.9)
    assert buf.item() == pytest.approx(2.8) and p.item() == pytest.approx(0.52)  # 0.9 * 2 + 1


def test_adam_step_matches_numpy():
    rng = np.random.default_rng(3)
    p0, grads = rng.normal(size=4), rng.normal(size=(3, 4))
    p, m, v = p0.copy(), np.zeros(4), np.zeros(4)
    tp, tm, tv = torch.tensor(p0), torch.zeros(4, dtype=f64), torch.zeros(4, dtype=f64)
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        p = p - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        tp, tm, tv = adam_step(tp, torch.tensor(g), tm, tv, t, lr=0.01)
    assert tp.numpy() == pytest.approx(p, abs=1e-12)


def test_central_differences_and_bowl():
    w = torch.tensor([0.3, -1.2], dtype=f64)
    grad = central_differences(lambda v: float((v[0] ** 3 + v[0] * v[1]).item()), w)
    assert grad.numpy() == pytest.approx([3 * 0.3**2 - 1.2, 0.3], abs=1e-8)
    a = bowl(torch.tensor([1.0, 5.0], dtype=f64), rotation(0.7, f64))
    assert np.linalg.eigvalsh(a.numpy()) == pytest.approx([1.0, 5.0])
    assert (a @ rotation(0.7, f64)[:, 1]).numpy() == pytest.approx(5 * rotation(0.7, f64)[:, 1].numpy())


# --- gradient --------------------------------------------------------------------------------------


def test_logistic_gradient_matches_numpy():
    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(30, 3)), (rng.random(30) > 0.5).astype(float), rng.normal(size=3)
    p = 1 / (1 + np.exp(-x @ w))
    want = x.T @ (p - y) / 30
    got = gradient.logistic_grad(torch.tensor(w), torch.tensor(x), torch.tensor(y))
    assert got.numpy() == pytest.approx(want, abs=1e-12)


def test_gradient_report_step_downhill_and_exercises():
    report = run("gradient", 3, lr=0.3)
    t = table(report, "loss")
    loss, down, up, guess = column(t, "loss")
    assert down < loss < up
    ex = exercise(report, "first-order-drop")
    g = np.array(ex.given["grad"])
    assert ex.answer == pytest.approx(0.3 * g @ g)
    assert guess == pytest.approx(loss - 0.3 * g @ g)
    poly = exercise(report, "grad-of-polynomial")
    w1, w2 = poly.given["w1"], poly.given["w2"]
    assert poly.answer == pytest.approx([2 * w1 + 3 * w2, 3 * w1])
    grads = table(report, "closed form")
    assert column(grads, "finite differences") == pytest.approx(column(grads, "closed form"), abs=1e-7)


# --- gradient descent ------------------------------------------------------------------------------


def test_descend_matches_numpy_gradient_descent():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    w_star, w = np.array([0.5, -1.0]), np.array([2.0, 2.0])
    path = gradient_descent.descend(torch.tensor(a), torch.tensor(w_star), torch.tensor(w), 0.2, 6)
    for k in range(7):
        assert path[k].numpy() == pytest.approx(w, abs=1e-12)
        w = w - 0.2 * a @ (w - w_star)


@pytest.mark.parametrize("lr", [0.15, 0.19, 0.3])
def test_gradient_descent_rates_follow_the_closed_form(lr):
    report = run("gradient descent", 1, lr=lr, curvature=10.0, steps=20)
    t = table(report, "factor 1 - lr*lambda")
    size = max(1.0, abs(row(t, "steep")[4]))  # rounding in the large direction leaks into the small one
    for name, lam in (("flat", 1.0), ("steep", 10.0)):
        r = row(t, name)
        assert r[2] == pytest.approx(1 - lr * lam)
        assert r[4] == pytest.approx(r[3] * (1 - lr * lam) ** 20, abs=1e-9 * size)
    ex = exercise(report, "largest-stable-lr")
    assert ex.answer == pytest.approx(2 / np.linalg.eigvalsh(np.array(ex.given["A"])).max())
    flat = exercise(report, "flat-error-after-k").given
    assert exercise(report, "flat-error-after-k").answer == pytest.approx(
        flat["e0"] * (1 - flat["lr"] * flat["lambda"]) ** flat["k"]
    )
    sweep = table(report, "max |1 - lr*lambda|")
    assert row(sweep, "1.5 x limit")[1] == pytest.approx(0.3)  # 1.5 * 2 / 10
    assert row(sweep, "1.5 x limit")[3] > 1 > row(sweep, "0.95 x limit")[3]


# --- stochastic gradient descent -------------------------------------------------------------------


@pytest.mark.parametrize("b", [1, 2, 3, 6])
def test_variance_formula_matches_enumeration_of_every_batch(b):
    rng = np.random.default_rng(b)
    g = rng.normal(size=(6, 2))  # per-example gradients
    full = g.mean(axis=0)
    batches = [g[list(c)].mean(axis=0) for c in itertools.combinations(range(6), b)]
    exact = np.mean([((gb - full) ** 2).sum() for gb in batches])
    spread = ((g - full) ** 2).sum(axis=1).mean()
    assert stochastic_gradient_descent.variance_formula(spread, 6, b) == pytest.approx(exact, abs=1e-12)


def test_full_batch_train_is_one_gradient_step_per_epoch():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    w, steps = stochastic_gradient_descent.train(torch.tensor(x), torch.tensor(y), 0.1, 20, 2)
    want = np.zeros(3)
    for _ in range(2):
        want = want - 0.1 * 2 * x.T @ (x @ want - y) / 20
    assert steps == 2 and w.numpy() == pytest.approx(want, abs=1e-12)


def test_sgd_report_noise_table_and_budget():
    report = run("stochastic gradient descent", 2, batch=8, epochs=2)
    t = table(report, "E|g_B - g|^2 measured")
    ex = exercise(report, "variance-at-batch").given
    v1 = ex["V1"]
    for b, measured, formula, _ in t.rows:
        assert formula == pytest.approx(v1 / b * (256 - b) / 255)
        assert measured == pytest.approx(formula, rel=0.15)
    budget = table(report, "held-out MSE")
    assert row(budget, "SGD, B = 8")[1] == 2 * 256 // 8 and row(budget, "full-batch GD")[1] == 2


# --- optimizer -------------------------------------------------------------------------------------


def test_optimizer_plain_sgd_loss_follows_the_closed_form_and_exercises():
    report = run("optimizer", 4, condition=50.0, steps=30)
    t = table(report, "f(w0)")
    _, f0, f_end = row(t, "SGD at its best fixed lr")
    rate = (50 - 1) / (50 + 1)  # |1 - lr*lambda| on both axes at lr = 2 / (1 + 50)
    assert f_end == pytest.approx(f0 * rate ** (2 * 30), rel=1e-9)
    two = exercise(report, "two-momentum-steps")
    g = two.given
    p1 = g["p"] - g["lr"] * g["g1"]
    assert two.answer == pytest.approx(p1 - g["lr"] * (g["beta"] * g["g1"] + g["g2"]))
    assert exercise(report, "adam-first-step").answer == pytest.approx(0.1)


# --- autograd --------------------------------------------------------------------------------------


def test_graph_by_hand_matches_the_derivative_formulas():
    a, b = 0.7, -0.4
    values, d = autograd.graph_by_hand(a, b)
    assert values["L"] == pytest.approx((a * b + math.sin(a)) * math.exp(b))
    assert d["a"] == pytest.approx(math.exp(b) * (b + math.cos(a)))
    assert d["b"] == pytest.approx(math.exp(b) * (a + a * b + math.sin(a)))


def test_jacobians_of_a_known_function():
    x = torch.tensor([1.0, -2.0, 0.5], dtype=f64)
    back, fd = autograd.jacobians(lambda v, w: v**2 * w, (x, torch.full((3,), 3.0, dtype=f64)))
    want = np.hstack([np.diag(6 * x.numpy()), np.diag(x.numpy() ** 2)])
    assert back.numpy() == pytest.approx(want, abs=1e-12)
    assert fd.numpy() == pytest.approx(want, abs=1e-6)


def test_autograd_report_costs_and_exercise():
    report = run("autograd", 1, batch=16, depth=3)
    flops = table(report, "matmul FLOPs (by hand)")
    one = 2 * 16 * 64 * 64
    assert column(flops, "matmul FLOPs (by hand)") == [3 * one, 5 * one, 8 * one]
    saved = table(report, "distinct activation bytes")
    for n, _, act, params in saved.rows:
        assert act == 4 * n * 64 * (3 + 1)  # the input and each tanh output, float32
        assert params == 4 * 3 * (64 * 64 + 64)
    assert exercise(report, "backward-over-forward").answer == pytest.approx(5 / 3)
    ex = exercise(report, "grad-a")
    a, b = ex.given["a"], ex.given["b"]
    assert ex.answer == pytest.approx(math.exp(b) * (b + math.cos(a)))


# --- learning rate schedule ---------------------------------------------------------------------


def test_warmup_cosine_by_formula():
    from mlterms.demos.optimization.learning_rate_schedule import step_decay_recursive, warmup_cosine

    assert warmup_cosine(0, 100, 10, 1.0, 0.0) == pytest.approx(0.1)  # (0 + 1) / 10
    assert warmup_cosine(9, 100, 10, 1.0, 0.0) == pytest.approx(1.0)
    assert warmup_cosine(55, 100, 10, 1.0, 0.0) == pytest.approx(0.5)  # halfway through the decay: cos(pi/2)
    assert warmup_cosine(100, 100, 10, 1.0, 0.2) == pytest.approx(0.2)
    assert step_decay_recursive(7, 1.0, 3, 0.5) == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_schedule_exercise_is_half_the_peak():
    report = run("learning rate schedule", 0, lr=0.08, steps=400, warmup=20)
    assert exercise(report, "cosine-midway").answer == pytest.approx(0.04)
