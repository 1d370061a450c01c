"""Tests for the sequence and generative demos (mlterms/demos/sequences.py and generative.py).

Each demo checks itself against PyTorch; these tests also recompute key numbers independently
(numpy loops, closed forms, textbook values), so a demo cannot pass by checking only itself.
"""

from __future__ import annotations

import functools
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlterms.demos import generative as gen
from mlterms.demos import registry
from mlterms.demos import sequences as seq

NAMES = [
    "attention",
    "self attention",
    "recurrent neural network",
    "encoder",
    "timestep",
    "schedule",
    "distilling",
    "one-shot learning",
    "bayesian neural network",
    "denoising",
]

f64 = torch.float64


@functools.cache
def run(name: str, seed: int = 0):
    """registry.run, shared between tests (the reports are only read)."""
    return registry.run(name, seed)


def item(report, kind: str, name: str):
    """The first item of a kind whose name/title contains name."""
    for section in report.sections:
        for it in section.items:
            label = getattr(it, "name", None) or getattr(it, "title", "")
            if it.kind == kind and name in label:
                return it
    raise KeyError(f"no {kind} {name!r} in {report.term}")


def table_with(report, column: str):
    """The first table that has a column named column."""
    for section in report.sections:
        for it in section.items:
            if it.kind == "table" and column in it.columns:
                return it
    raise KeyError(f"no table with column {column!r} in {report.term}")


# --- every demo runs and passes its own checks -------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_and_all_checks_pass(name, seed):
    report = run(name, seed)
    assert report.summary and report.sections
    assert len(report.checks) >= 3
    failed = [(c.name, c.detail) for c in report.checks if not c.passed]
    assert not failed


@pytest.mark.parametrize("name", ["attention", "timestep", "bayesian neural network"])
def test_demo_is_deterministic_for_a_seed(name):
    assert registry.run(name, 3) == registry.run(name, 3)


def test_importing_the_modules_does_not_import_torch():
    code = (
        "import sys; import mlterms.demos.sequences, mlterms.demos.generative; "
        "from mlterms.demos import registry; names = registry.names(); "
        "assert 'torch' not in sys.modules, 'torch imported'; print(','.join(names))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(NAMES) <= set(out.strip().split(","))


# --- attention --------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=st.floats(-50, 50)))
def test_softmax_by_hand_rows_are_probabilities(scores):
    w = seq.softmax_by_hand(torch.from_numpy(scores)).numpy()
    want = np.exp(scores - scores.max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    assert np.allclose(w.sum(-1), 1.0, atol=1e-12)
    assert (w >= 0).all()
    assert np.allclose(w, want, atol=1e-12)


def test_masked_scores_get_zero_weight():
    w = seq.softmax_by_hand(torch.tensor([[0.3, float("-inf"), 1.0]], dtype=f64))
    assert w[0, 1] == 0 and math.isclose(float(w.sum()), 1.0)


def test_attention_by_hand_matches_a_plain_python_loop():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    out, w = seq.attention_by_hand(*(torch.from_numpy(a) for a in (q, k, v)))
    for i in range(3):
        scores = [sum(q[i, c] * k[j, c] for c in range(4)) / 2.0 for j in range(5)]  # sqrt(4) = 2
        exps = [math.exp(s) for s in scores]
        weights = [e / sum(exps) for e in exps]
        assert np.allclose(w[i].numpy(), weights, atol=1e-12)
        assert np.allclose(out[i].numpy(), sum(weights[j] * v[j] for j in range(5)), atol=1e-12)


def test_attention_tiny_example_by_hand():
    # one query [1, 0] against keys [1, 0] and [0, 1]: scores 1/sqrt(2) and 0
    out, w = seq.attention_by_hand(
        torch.tensor([[1.0, 0.0]], dtype=f64),
        torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=f64),
        torch.tensor([[10.0], [0.0]], dtype=f64),
    )
    w0 = math.exp(1 / math.sqrt(2)) / (math.exp(1 / math.sqrt(2)) + 1)
    assert math.isclose(float(w[0, 0]), w0, rel_tol=1e-12)
    assert math.isclose(float(out[0, 0]), 10 * w0, rel_tol=1e-12)


def test_attention_report_is_consistent():
    report = run("attention", 0)
    weights = np.array(item(report, "heatmap", "attention weights").values)
    assert weights.shape == (4, 5)
    assert np.allclose(weights.sum(1), 1.0)
    table = item(report, "table", "query 0")  # rows: key, w[0, j], v[j, :]; last row the sum
    w0 = np.array([row[1] for row in table.rows[:-1]])
    v = np.array([row[2:] for row in table.rows[:-1]])
    assert np.allclose(w0, weights[0])
    assert np.allclose(w0 @ v, item(report, "tensor", "output").values[0], atol=1e-12)


# --- self attention ---------------------------------------------------------------------------


def _random_mha_weights(E: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(3 * E, E, generator=g, dtype=f64),
        torch.randn(3 * E, generator=g, dtype=f64),
        torch.randn(E, E, generator=g, dtype=f64),
        torch.randn(E, generator=g, dtype=f64),
    )


def test_self_attention_without_positions_is_permutation_equivariant():
    x = torch.randn(5, 8, dtype=f64, generator=torch.Generator().manual_seed(1))
    weights = _random_mha_weights(8)
    perm = torch.tensor([3, 0, 4, 1, 2])
    out, _ = seq.self_attention_by_hand(x, *weights, heads=2)
    out_perm, _ = seq.self_attention_by_hand(x[perm], *weights, heads=2)
    assert torch.allclose(out_perm, out[perm], atol=1e-12)


def test_causal_self_attention_first_token_is_its_own_value():
    x = torch.randn(4, 8, dtype=f64, generator=torch.Generator().manual_seed(2))
    w_in, b_in, w_out, b_out = _random_mha_weights(8)
    out, w = seq.self_attention_by_hand(x, w_in, b_in, w_out, b_out, heads=2, causal=True)
    v0 = x[0] @ w_in[16:].T + b_in[16:]  # token 0 can only see itself: output = W_o v_0 + b_o
    assert torch.allclose(out[0], v0 @ w_out.T + b_out, atol=1e-12)
    assert torch.equal(w[:, 0, 1:], torch.zeros(2, 3, dtype=f64))


# --- recurrent neural network -----------------------------------------------------------------


def test_rnn_by_hand_matches_numpy_loop():
    rng = np.random.default_rng(3)
    x, w_ih, w_hh = rng.normal(size=(6, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    b_ih, b_hh, h0 = rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)
    hs, last = seq.rnn_by_hand(*(torch.from_numpy(a) for a in (x, w_ih, w_hh, b_ih, b_hh, h0)))
    h = h0
    for t in range(6):
        h = np.tanh(w_ih @ x[t] + b_ih + w_hh @ h + b_hh)
        assert np.allclose(hs[t].numpy(), h, atol=1e-12)
    assert np.allclose(last.numpy(), h, atol=1e-12)


def test_rnn_report_parameter_count():
    report = run("recurrent neural network", 0)
    assert item(report, "scalar", "parameters").value == 4 * 3 + 4 * 4 + 4 + 4


# --- encoder ----------------------------------------------------------------------------------


def test_encoder_input_is_exactly_two_words_in_twelve():
    report = run("encoder", 0)
    rows = {row[0]: row for row in table_with(report, "fraction nonzero").rows}
    assert math.isclose(rows["input"][2], 2 / 12, rel_tol=1e-6)
    assert rows["code"][2] > 0.9
    bow = np.array(item(report, "tensor", "bag of words").values)
    assert (bow.sum(1) == 2).all()


# --- timestep ---------------------------------------------------------------------------------


def test_ddpm_alpha_bar_matches_numpy():
    abar = gen.alpha_bar(gen.ddpm_betas()).numpy()
    want = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))
    assert np.allclose(abar, want, rtol=1e-12)
    assert math.isclose(abar[-1], 4.04e-5, rel_tol=0.01)  # DDPM's x_1000 keeps ~0.6% of the signal scale
    assert (np.diff(abar) < 0).all()


def test_noise_step_by_step_has_the_textbook_moments():
    torch.manual_seed(0)
    betas = torch.tensor([0.1, 0.2, 0.3], dtype=f64)
    x0 = torch.tensor([2.0, -1.0], dtype=f64)
    n = 20000
    xt = gen.noise_step_by_step(x0, betas, n, [3])[3]
    abar = 0.9 * 0.8 * 0.7
    sd = math.sqrt(1 - abar)
    assert ((xt.mean(0) - math.sqrt(abar) * x0).abs() < 5 * sd / math.sqrt(n)).all()
    assert ((xt.std(0) - sd).abs() < 5 * sd / math.sqrt(2 * n)).all()


# --- schedule ---------------------------------------------------------------------------------


def test_karras_sigmas_by_hand_values():
    lo, hi = 0.002 ** (1 / 7), 80 ** (1 / 7)
    three = gen.karras_sigmas(3)
    assert math.isclose(three[0], 80) and math.isclose(three[2], 0.002)
    assert math.isclose(three[1], ((lo + hi) / 2) ** 7)  # the midpoint in sigma^(1/7)
    linear = gen.karras_sigmas(5, 1.0, 5.0, rho=1.0)
    assert np.allclose(linear, [5, 4, 3, 2, 1])


@given(st.integers(1, 200), st.floats(1e-4, 1.0), st.floats(0.0, 1e-4))
def test_cosine_lr_is_a_half_cosine_from_max_to_min(total, lr_max, lr_min):
    lrs = [gen.cosine_lr(t, total, lr_max, lr_min) for t in range(total + 1)]
    assert math.isclose(lrs[0], lr_max) and math.isclose(lrs[-1], lr_min, abs_tol=1e-15)
    assert all(a >= b - 1e-15 for a, b in zip(lrs, lrs[1:], strict=False))
    if total % 2 == 0:
        assert math.isclose(lrs[total // 2], (lr_max + lr_min) / 2)


# --- distilling -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
    arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
    st.floats(0.5, 10),
)
def test_kl_by_hand_matches_torch_distributions(t_logits, s_logits, T):
    t, s = torch.from_numpy(t_logits), torch.from_numpy(s_logits)
    mine = gen.kl_by_hand(t, s, T)
    p = torch.distributions.Categorical(logits=t / T)
    q = torch.distributions.Categorical(logits=s / T)
    want = torch.distributions.kl_divergence(p, q).mean()
    assert math.isclose(float(mine), float(want), rel_tol=1e-9, abs_tol=1e-12)
    assert float(mine) >= -1e-12
    assert abs(float(gen.kl_by_hand(t, t, T))) < 1e-12


def test_distilling_report_sizes():
    report = run("distilling", 0)
    rows = item(report, "table", "test points").rows
    assert rows[0][1] == (2 * 32 + 32) + (32 * 32 + 32) + (32 * 3 + 3)
    assert rows[1][1] == (2 * 4 + 4) + (4 * 3 + 3)


# --- one-shot learning ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (3, 4), elements=st.floats(-10, 10)),
    arrays(np.float64, (2, 4), elements=st.floats(-10, 10)),
)
def test_cosine_by_hand_matches_numpy(a, b):
    if (np.linalg.norm(a, axis=1) < 1e-3).any() or (np.linalg.norm(b, axis=1) < 1e-3).any():
        return
    got = gen.cosine_by_hand(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    want = (a @ b.T) / np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1))
    assert np.allclose(got, want, atol=1e-12)
    scaled = gen.cosine_by_hand(torch.from_numpy(3 * a), torch.from_numpy(b)).numpy()
    assert np.allclose(scaled, got, atol=1e-12)  # cosine ignores length


# --- bayesian neural network ------------------------------------------------------------------


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    size = rng.uniform(1.2, 2.8, 10)
    phi = np.stack([np.ones_like(size), size - 2], 1)
    return phi, 150 + 300 * size + rng.normal(0, 50, 10)


def test_blr_posterior_equals_one_point_at_a_time_updates():
    phi, y = _data()
    alpha, beta = 1e-2, 1 / 50**2
    m, S = gen.blr_posterior(torch.from_numpy(phi), torch.from_numpy(y), alpha, beta)
    prec, shift = alpha * np.eye(2), np.zeros(2)  # prior in natural parameters
    for row, target in zip(phi, y, strict=True):  # yesterday's posterior is today's prior
        prec = prec + beta * np.outer(row, row)
        shift = shift + beta * row * target
    assert np.allclose(S.numpy(), np.linalg.inv(prec), rtol=1e-9)
    assert np.allclose(m.numpy(), np.linalg.solve(prec, shift), rtol=1e-9)


def test_blr_with_a_flat_prior_is_least_squares():
    phi, y = _data(1)
    m, _ = gen.blr_posterior(torch.from_numpy(phi), torch.from_numpy(y), 1e-12, 1 / 50**2)
    ols, *_ = np.linalg.lstsq(phi, y, rcond=None)
    assert np.allclose(m.numpy(), ols, rtol=1e-6)


def test_bayesian_report_sd_grows_away_from_data():
    report = run("bayesian neural network", 0)
    rows = {row[0]: row for row in table_with(report, "prediction").rows}
    assert rows[6.0][3] > rows[4.0][3] > rows[3.0][3]
    assert all(row[3] >= 50 for row in rows.values())  # never below the noise sd
    assert rows[2.5][1].startswith("$") and "±" in rows[2.5][1]


# --- the training helper ----------------------------------------------------------------------


def test_fit_is_the_same_update_as_torch_adam():
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(20, 3, generator=g), torch.randn(20, generator=g)
    w1, w2 = torch.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    losses = seq.fit([w1], lambda: ((X @ w1 - y) ** 2).mean(), 40, lr=0.1)
    opt = torch.optim.Adam([w2], lr=0.1)
    for _ in range(40):
        loss = ((X @ w2 - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert torch.allclose(w1, w2, atol=1e-6)
    assert losses[-1] < losses[0]


def test_denoising_report_noisy_mse_is_sigma_squared():
    report = run("denoising", 0)
    rows = {row[0]: row[1] for row in item(report, "table", "test signals").rows}
    assert abs(rows["noisy input"] - 0.09) < 0.015  # 1024 squared N(0, 0.09) draws
    assert rows["denoiser"] < rows["noisy input"]
