"""The generative demos, recomputed independently: numpy, closed forms, a second method."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlterms.demos.generative.bayesian_neural_network import posterior_one_at_a_time
from mlterms.demos.generative.distilling import distillation_loss
from mlterms.demos.generative.one_shot_learning import cosine_by_hand
from mlterms.demos.generative.schedule import cosine_lr, cosine_lr_recursive, karras_sigmas
from mlterms.demos.generative.timestep import ddpm_betas, noise_step_by_step
from mlterms.demos.hand.kl import kl_by_hand

from .util import column, exercise, failures, row, run, scalar, table, tensor

f64 = torch.float64


def np_log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def np_distillation_loss(zs, zt, y, T, alpha):
    """alpha T^2 mean_b KL(p_teacher || q_student) + (1 - alpha) CE, in numpy."""
    log_p, log_q = np_log_softmax(zt / T), np_log_softmax(zs / T)
    kl = (np.exp(log_p) * (log_p - log_q)).sum(-1).mean()
    ce = -np_log_softmax(zs)[np.arange(len(y)), y].mean()
    return alpha * T**2 * kl + (1 - alpha) * ce


# --- timestep ---------------------------------------------------------------------------------


def test_abar_exercise_matches_numpy():
    report = run("timestep", 0, t=321)
    ex = exercise(report, "abar-t")
    abar = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))
    assert ex.answer == pytest.approx(math.sqrt(abar[320]), rel=1e-9)
    assert np.allclose(ddpm_betas().numpy(), np.linspace(1e-4, 0.02, 1000))


def test_noise_step_by_step_has_the_textbook_moments():
    torch.manual_seed(0)
    x0, n = torch.tensor([2.0, -1.0], dtype=f64), 20000
    xt = noise_step_by_step(x0, torch.tensor([0.1, 0.2, 0.3], dtype=f64), n, [3])[3]
    abar = 0.9 * 0.8 * 0.7
    sd = math.sqrt(1 - abar)
    assert ((xt.mean(0) - math.sqrt(abar) * x0).abs() < 5 * sd / math.sqrt(n)).all()
    assert ((xt.std(0) - sd).abs() < 5 * sd / math.sqrt(2 * n)).all()


# --- schedule ---------------------------------------------------------------------------------


def test_karras_sigmas_known_values():
    lo, hi = 0.002 ** (1 / 7), 80 ** (1 / 7)
    three = karras_sigmas(3, 0.002, 80.0, 7.0)
    assert three[0] == pytest.approx(80) and three[2] == pytest.approx(0.002)
    assert three[1] == pytest.approx(((lo + hi) / 2) ** 7)  # the midpoint in sigma^(1/7)
    assert np.allclose(karras_sigmas(5, 1.0, 5.0, 1.0), [5, 4, 3, 2, 1])


@pytest.mark.parametrize(("rho", "steps"), [(7.0, 10), (3.0, 25)])
def test_schedule_table_and_exercises(rho, steps):
    report = run("schedule", 0, rho=rho, steps=steps)
    i = np.arange(steps)
    want = (80 ** (1 / rho) + i / (steps - 1) * (0.002 ** (1 / rho) - 80 ** (1 / rho))) ** rho
    assert np.allclose(column(table(report, f"sigma, rho={rho:g}"), f"sigma, rho={rho:g}"), want)
    assert exercise(report, "below-one").answer == int((want < 1).sum())
    assert exercise(report, "second-sigma").answer == pytest.approx(want[1])


@given(st.integers(1, 200), st.floats(1e-4, 1.0), st.floats(0.0, 1e-4))
def test_cosine_lr_closed_form_and_recursive_agree(total, lr_max, lr_min):
    closed = [cosine_lr(t, total, lr_max, lr_min) for t in range(total + 1)]
    assert closed[0] == pytest.approx(lr_max) and closed[-1] == pytest.approx(lr_min, abs=1e-12)
    assert np.allclose(cosine_lr_recursive(total, lr_max, lr_min), closed, atol=1e-12)


# --- distilling -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
    arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
    st.floats(0.5, 10),
)
def test_kl_by_hand_is_kl_teacher_to_student(t_logits, s_logits, T):
    log_p, log_q = np_log_softmax(t_logits / T), np_log_softmax(s_logits / T)
    want = (np.exp(log_p) * (log_p - log_q)).sum(-1).mean()
    got = float(kl_by_hand(torch.from_numpy(t_logits), torch.from_numpy(s_logits), T))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_distillation_loss_is_t_squared_kl_teacher_to_student_plus_ce():
    zs = np.array([[2.0, -1.0, 0.5], [0.1, 0.3, -2.0]])
    zt = np.array([[0.5, 1.5, -0.5], [3.0, -1.0, 0.0]])
    y = np.array([0, 2])
    for T, alpha in [(4.0, 0.9), (2.0, 1.0), (1.0, 0.3)]:
        got = float(
            distillation_loss(torch.from_numpy(zs), torch.from_numpy(zt), torch.from_numpy(y), T, alpha)
        )
        assert got == pytest.approx(np_distillation_loss(zs, zt, y, T, alpha), rel=1e-9)


def test_distilling_report_loss_and_baseline():
    report = run("distilling", 0)
    zt = np.array(tensor(report, "teacher logits, examples 0-3").values)
    zs = np.array(tensor(report, "student logits, examples 0-3").values)
    y = np.array(tensor(report, "labels, examples 0-3").values)
    assert scalar(report, "training loss on examples 0-3") == pytest.approx(
        np_distillation_loss(zs, zt, y, 4.0, 0.9), rel=1e-5
    )
    t = table(report, "held-out cross-entropy")
    assert row(t, "distilled")[1] == row(t, "labels only")[1] == (2 * 16 + 16) + (16 * 3 + 3)
    assert row(t, "distilled")[3] < row(t, "labels only")[3]
    ex = exercise(report, "soft-max-prob")
    z = np.array(ex.given["logits"]) / ex.given["T"]
    assert ex.answer == pytest.approx(np.exp(z).max() / np.exp(z).sum())


# --- one-shot learning ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
    arrays(np.float64, (2, 4), elements=st.floats(-10, 10)),
)
def test_cosine_by_hand_matches_numpy(a, b):
    if (np.linalg.norm(a, axis=1) < 1e-3).any() or (np.linalg.norm(b, axis=1) < 1e-3).any():
        return
    got = cosine_by_hand(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    want = (a @ b.T) / np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1))
    assert np.allclose(got, want, atol=1e-12)


def test_one_shot_exercises():
    report = run("one shot learning", 0, ways=7)
    assert exercise(report, "chance").answer == pytest.approx(1 / 7)
    ex = exercise(report, "nearest")
    assert ex.answer == int(np.argmax(ex.given["similarities"]))


# --- bayesian neural network ------------------------------------------------------------------


def test_one_at_a_time_posterior_equals_the_batch_formula():
    rng = np.random.default_rng(0)
    phi, y = rng.normal(size=(12, 3)), rng.normal(size=12)
    post = posterior_one_at_a_time(torch.from_numpy(phi), torch.from_numpy(y), 0.7, 0.3, {5, 12})
    for k in (5, 12):
        precision = np.eye(3) / 0.7**2 + phi[:k].T @ phi[:k] / 0.3**2
        m, S = post[k]
        assert np.allclose(S.numpy(), np.linalg.inv(precision), atol=1e-10)
        assert np.allclose(m.numpy(), np.linalg.solve(precision, phi[:k].T @ y[:k] / 0.3**2), atol=1e-10)


def test_bayesian_narrowing_table_and_exercise():
    report = run("bayesian neural network", 0)
    t = table(report, "sd, k=0")
    sds = np.array([r[1:] for r in t.rows], dtype=float)  # (x, k) sd of the weights after k points
    assert (np.diff(sds, axis=1) <= 1e-9).all()  # never widens
    assert (sds[:, -1] < 0.5 * sds[:, 0]).all()  # and the data shrank it from the prior
    ex = exercise(report, "one-weight-posterior")
    x = np.array(ex.given["x"])
    precision = 1 / ex.given["prior_sd"] ** 2 + (x**2).sum() / ex.given["noise_sd"] ** 2
    assert ex.answer == pytest.approx(precision**-0.5)


# --- denoising --------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.3, 0.8])
def test_denoising_closed_form_minimum_and_exercise(sigma):
    report = run("denoising", 0, sigma=sigma)
    idx = np.arange(16)
    C = np.exp(-((idx[:, None] - idx[None, :]) ** 2) / 8.0)
    W = C @ np.linalg.inv(C + sigma**2 * np.eye(16))  # E[x0 | x] = W x
    mmse = np.trace(C - W @ C) / 16
    t = table(report, "held-out MSE")
    assert row(t, "closed-form minimum")[1] == pytest.approx(mmse, rel=1e-6)
    assert row(t, "least squares fit")[1] == pytest.approx(mmse, rel=0.1)
    assert row(table(report, "MSE to clean"), "noisy input")[1] == pytest.approx(sigma**2, rel=0.15)
    ex = exercise(report, "shrink")
    v, x = ex.given["v"], ex.given["x"]
    assert ex.answer == pytest.approx(v / (v + sigma**2) * x)


KNOBS = {
    "timestep": st.fixed_dictionaries({"t": st.integers(1, 1000)}),
    "schedule": st.fixed_dictionaries({"rho": st.floats(1.0, 10.0), "steps": st.integers(2, 50)}),
    "distilling": st.fixed_dictionaries({"T": st.floats(1.0, 10.0), "alpha": st.floats(0.0, 1.0)}),
    "one shot learning": st.fixed_dictionaries({"ways": st.integers(2, 10)}),
    "bayesian neural network": st.fixed_dictionaries(
        {"n": st.integers(8, 256), "prior_sd": st.floats(0.1, 10.0)}
    ),
    "denoising": st.fixed_dictionaries({"sigma": st.floats(0.05, 1.0)}),
}


@pytest.mark.parametrize("name", list(KNOBS))
def test_reference_and_property_checks_hold_at_any_knob(name):
    @settings(max_examples=3, deadline=None, derandomize=True)
    @given(values=KNOBS[name], seed=st.integers(0, 99))
    def check(values, seed):
        assert failures(run(name, seed, **values)) == []

    check()
