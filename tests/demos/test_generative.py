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
from mlterms.demos.generative.one__shot_learning import cosine_by_hand
from mlterms.demos.generative.schedule import cosine_lr, cosine_lr_recursive, karras_sigmas
from mlterms.demos.hand.diffusion import ddpm_betas, noise_step_by_step
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
    report = run("one-shot learning", 0, ways=7)
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
    "one-shot learning": st.fixed_dictionaries({"ways": st.integers(2, 10)}),
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


# ==============================================================================================
# issue 12: autoencoder, diffusion model, noise schedule
# ==============================================================================================

from mlterms.demos.generative.autoencoder import linear_ae_grads, principal_angles  # noqa: E402
from mlterms.demos.generative.diffusion_model import (  # noqa: E402
    best_eps,
    data,
    ks_distance,
    log_density,
)
from mlterms.demos.hand.diffusion import cosine_abar, cosine_betas  # noqa: E402


def np_mixture_pdf(x, a=1.0, w=0.7, means=(-2.0, 1.5), sd=0.4):
    """The diffusion demo's two-bump data noised to abar = a, in numpy."""
    v = a * sd**2 + 1 - a
    bumps = [np.exp(-((x - np.sqrt(a) * m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v) for m in means]
    return (1 - w) * bumps[0] + w * bumps[1]


# --- noise schedule ---------------------------------------------------------------------------


@pytest.mark.parametrize("T", [50, 1000, 3000])
def test_cosine_schedule_matches_the_paper_formula(T):
    t = np.arange(T + 1)
    f = np.cos((t / T + 0.008) / 1.008 * np.pi / 2) ** 2
    want_abar = f / f[0]
    want_betas = np.minimum(1 - want_abar[1:] / want_abar[:-1], 0.999)
    assert np.allclose(cosine_abar(torch.arange(T + 1, dtype=f64), T).numpy(), want_abar, atol=1e-15)
    assert np.allclose(cosine_betas(T).numpy(), want_betas, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("T", [1000, 200])
def test_noise_schedule_tables_recomputed_in_numpy(T):
    report = run("noise schedule", 0, T=T)
    lin = np.linspace(1e-4, 0.02, T) * 1000 / T  # both ends scaled by 1000 / T
    abar_lin = np.cumprod(1 - lin)
    f = np.cos((np.arange(T + 1) / T + 0.008) / 1.008 * np.pi / 2) ** 2
    abar_cos = np.cumprod(1 - np.minimum(1 - f[1:] / f[:-1], 0.999))
    t1 = table(report, "abar_t (product)")
    steps = np.array(column(t1, "t"))
    assert np.allclose(column(t1, "abar_t (product)"), abar_lin[steps - 1], rtol=1e-9)
    assert np.allclose(column(t1, "exp(-area)"), np.exp(-np.cumsum(lin))[steps - 1], rtol=1e-9)
    t3 = table(report, "log10 SNR cosine")
    snr = abar_cos / (1 - abar_cos)
    assert np.allclose(column(t3, "log10 SNR cosine"), np.log10(snr[steps - 1]), atol=1e-9)
    near = table(report, "steps with abar_t < 0.01")
    assert row(near, "linear")[1] == int((abar_lin < 0.01).sum())
    assert row(near, "cosine")[1] == int((abar_cos < 0.01).sum())
    assert exercise(report, "cosine-abar").answer == pytest.approx(f[T // 2] / f[0], rel=1e-9)
    ex = exercise(report, "sigma-from-abar")
    assert ex.given["abar_t"] == pytest.approx(abar_lin[T // 4 - 1], rel=1e-9)
    assert ex.answer == pytest.approx(np.sqrt((1 - ex.given["abar_t"]) / ex.given["abar_t"]))


# --- diffusion model --------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.999, 0.5, 0.02])
def test_best_eps_is_the_posterior_mean_of_the_noise(a):
    """E[eps | x_t] = (x_t - sqrt(a) E[x0 | x_t]) / sqrt(1 - a), E[x0 | x_t] by quadrature over x0."""
    x0 = np.linspace(-6, 6, 24001)
    prior = np_mixture_pdf(x0)
    xt = np.array([-2.5, -0.3, 0.0, 1.1, 3.0])
    like = np.exp(-((xt[:, None] - np.sqrt(a) * x0) ** 2) / (2 * (1 - a)))
    post_x0 = (like * prior * x0).sum(1) / (like * prior).sum(1)
    want = (xt - np.sqrt(a) * post_x0) / np.sqrt(1 - a)
    assert np.allclose(best_eps(torch.from_numpy(xt), a).numpy(), want, atol=1e-6)


def test_log_density_is_the_noised_mixture():
    x = np.linspace(-5, 5, 11)
    for a in (1.0, 0.3):
        assert np.allclose(log_density(torch.from_numpy(x), a).exp().numpy(), np_mixture_pdf(x, a))
    torch.manual_seed(0)
    x0 = data(40000).numpy()
    assert (x0 > -0.25).mean() == pytest.approx(0.7, abs=0.01)
    assert x0.mean() == pytest.approx(0.3 * -2 + 0.7 * 1.5, abs=0.03)


def test_ks_distance_by_hand():
    x, y = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.5, 3.0])
    # CDFs at 0, 0.5, 1, 2, 3: x 1/3, 1/3, 2/3, 1, 1; y 0, 1/2, 1/2, 1/2, 1
    assert ks_distance(x, y) == pytest.approx(0.5)
    assert ks_distance(y, y) == 0.0


def test_diffusion_model_forward_table_and_exercises():
    report = run("diffusion model", 0)
    abar = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))
    m0, v0 = 0.3 * -2 + 0.7 * 1.5, 0.16 + 0.21 * 3.5**2
    t = table(report, "mean, closed")
    steps = np.array(column(t, "t"))
    assert np.allclose(column(t, "mean, closed"), np.sqrt(abar[steps - 1]) * m0)
    assert np.allclose(column(t, "var, closed"), abar[steps - 1] * v0 + 1 - abar[steps - 1])
    assert np.allclose(column(t, "var, steps"), column(t, "var, closed"), rtol=0.15)
    ex = exercise(report, "forward-sd")
    assert ex.given["v"] == pytest.approx(v0)
    assert ex.answer == pytest.approx(np.sqrt(abar[249] * v0 + 1 - abar[249]))
    ex = exercise(report, "noise-added")
    g = ex.given
    assert (g["x_t"] - np.sqrt(g["abar_t"]) * g["x_0"]) / np.sqrt(1 - g["abar_t"]) == pytest.approx(ex.answer)
    assert g["abar_t"] == pytest.approx(abar[299])


def test_diffusion_sampling_gets_closer_with_more_steps():
    few = table(run("diffusion model", 0, steps=10), "distance to the data (KS)")
    many = table(run("diffusion model", 0, steps=1000), "distance to the data (KS)")
    assert many.rows[-1][0] == few.rows[-1][0] == 0
    assert many.rows[-1][1] < 0.05 < few.rows[-1][1] < few.rows[0][1]


# --- autoencoder ------------------------------------------------------------------------------


def test_linear_ae_grads_match_finite_differences():
    rng = np.random.default_rng(0)
    X, E, W = rng.normal(size=(6, 4)), rng.normal(size=(2, 4)), rng.normal(size=(4, 2))

    def loss(E, W):
        return ((X @ E.T @ W.T - X) ** 2).mean()

    gE, gW = (g.numpy() for g in linear_ae_grads(*(torch.from_numpy(m) for m in (X, E, W))))
    h = 1e-6
    for M, g, f in ((E, gE, lambda M: loss(M, W)), (W, gW, lambda M: loss(E, M))):
        for idx in np.ndindex(M.shape):
            up, down = M.copy(), M.copy()
            up[idx] += h
            down[idx] -= h
            assert g[idx] == pytest.approx((f(up) - f(down)) / (2 * h), rel=1e-6, abs=1e-8)


def test_principal_angles_of_known_planes():
    th = 0.3
    U = torch.tensor([[1.0, 0], [0, 1], [0, 0]], dtype=f64)
    V = torch.tensor([[2.0, 0], [0, math.cos(th)], [0, math.sin(th)]], dtype=f64)  # not orthonormal
    assert np.allclose(principal_angles(U, V).numpy(), [math.degrees(th), 0.0], atol=1e-6)
    assert np.allclose(
        principal_angles(U, U @ torch.tensor([[1.0, 2], [3, 4]], dtype=f64)).numpy(), 0, atol=1e-6
    )


@pytest.mark.parametrize("k", [1, 3])
def test_autoencoder_reaches_the_pca_error_of_its_singular_values(k):
    report = run("autoencoder", 0, k=k)
    ex = exercise(report, "pca-error")
    S, n, D = np.array(ex.given["singular_values"]), ex.given["n"], ex.given["D"]
    tail = [(S[j:] ** 2).sum() / (n * D) for j in range(1, D + 1)]
    assert np.allclose(column(table(report, "held-out error to clean"), "training error"), tail)
    assert ex.answer == pytest.approx(tail[k - 1])
    assert row(table(report, "value"), "autoencoder training error")[1] == pytest.approx(
        tail[k - 1], rel=0.01
    )
    kept = exercise(report, "variance-kept")
    assert kept.answer == pytest.approx((S[:k] ** 2).sum() / (S**2).sum())


def test_autoencoder_held_out_errors_against_the_noise():
    report = run("autoencoder", 0)
    t = table(report, "mean squared error")
    noise = row(t, "noisy input, to clean")[1]
    assert noise == pytest.approx(0.3**2, rel=0.1)  # 8000 squared N(0, 0.09) draws
    # projecting onto the 3 data directions keeps 3 of the 8 noise dimensions (plus a small error)
    assert 3 / 8 * noise < row(t, "autoencoder, to clean")[1] < 0.5 * noise
    pca = table(report, "held-out error to clean")
    assert row(pca, 3)[2] == pytest.approx(row(t, "autoencoder")[1], rel=0.02)
    assert row(pca, 8)[2] < 1e-20 and row(pca, 8)[3] == pytest.approx(noise)
