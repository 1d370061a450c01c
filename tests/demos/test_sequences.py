"""The sequences demos, recomputed independently: numpy loops, finite differences, closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos.hand.attention import attention_by_hand, causal_allowed, self_attention_by_hand
from mlterms.demos.hand.rnn import bptt_by_hand, rnn_by_hand
from mlterms.demos.report import Heatmap
from mlterms.demos.sequences.encoder import layer_norm_by_hand

from .util import exercise, failures, items, run, tensor

f64 = torch.float64


def np_attention(q, k, v, causal=False):
    """softmax(q k^T / sqrt(d)) v with plain numpy, masking j > i when causal."""
    scores = q @ k.T / math.sqrt(q.shape[1])
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape, bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    return w @ v, w


def test_attention_by_hand_divides_by_sqrt_dk():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(3, 9)), rng.normal(size=(5, 9)), rng.normal(size=(5, 2))
    out, w = attention_by_hand(*(torch.from_numpy(a) for a in (q, k, v)))
    want_out, want_w = np_attention(q, k, v)
    assert np.allclose(w.numpy(), want_w, atol=1e-12)
    assert np.allclose(out.numpy(), want_out, atol=1e-12)


def test_attention_tiny_example():
    # one query [1, 0] against keys [1, 0] and [0, 1]: scores 1/sqrt(2) and 0
    out, w = attention_by_hand(
        torch.tensor([[1.0, 0.0]], dtype=f64),
        torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=f64),
        torch.tensor([[10.0], [0.0]], dtype=f64),
    )
    w0 = math.exp(1 / math.sqrt(2)) / (math.exp(1 / math.sqrt(2)) + 1)
    assert float(w[0, 0]) == pytest.approx(w0, rel=1e-12)
    assert float(out[0, 0]) == pytest.approx(10 * w0, rel=1e-12)


@pytest.mark.parametrize(("d_k", "scale"), [(8, "sqrt"), (25, "sqrt"), (8, "none")])
def test_attention_report_weights_match_numpy(d_k, scale):
    report = run("attention", 3, d_k=d_k, scale=scale)
    q = np.array(tensor(report, f"queries q (L=4, d_k={d_k})").values)
    k = np.array(tensor(report, f"keys k (S=5, d_k={d_k})").values)
    v = np.array(tensor(report, "values v (S=5, d_v=4)").values)
    factor = 1 / math.sqrt(d_k) if scale == "sqrt" else 1.0
    scores = q @ k.T * factor
    w = np.exp(scores - scores.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    (heat,) = items(report, Heatmap)
    assert np.allclose(np.array(heat.values), w, atol=1e-9)
    assert np.allclose(np.array(tensor(report, "output (L=4, d_v=4)").values), w @ v, atol=1e-9)
    ex = exercise(report, "largest-weight")
    s0 = np.array(ex.given["k"]) @ np.array(ex.given["q0"]) * ex.given["scale"]
    assert ex.answer == pytest.approx(np.exp(s0).max() / np.exp(s0).sum())
    assert exercise(report, "output-shape").answer == [4, 4]


def test_causal_mask_lets_each_token_see_itself_and_the_past():
    allowed = causal_allowed(4).numpy()
    assert (allowed == np.tril(np.ones((4, 4), bool))).all()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 8))
    w_in, b_in = rng.normal(size=(24, 8)) / 3, rng.normal(size=24) / 10
    w_out, b_out = rng.normal(size=(8, 8)) / 3, rng.normal(size=8) / 10
    out, w = self_attention_by_hand(
        *(torch.from_numpy(a) for a in (x, w_in, b_in, w_out, b_out)), 2, causal=True
    )
    q, k, v = (x @ w_in[i * 8 : (i + 1) * 8].T + b_in[i * 8 : (i + 1) * 8] for i in range(3))
    heads = [
        np_attention(q[:, h * 4 : h * 4 + 4], k[:, h * 4 : h * 4 + 4], v[:, h * 4 : h * 4 + 4], True)
        for h in (0, 1)
    ]
    assert np.allclose(w.numpy(), np.stack([hw for _, hw in heads]), atol=1e-12)
    assert np.allclose(out.numpy(), np.concatenate([ho for ho, _ in heads], 1) @ w_out.T + b_out, atol=1e-12)


def test_self_attention_without_positions_is_permutation_equivariant():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(5, 8, dtype=f64, generator=g)
    weights = [torch.randn(*shape, dtype=f64, generator=g) for shape in ((24, 8), (24,), (8, 8), (8,))]
    perm = torch.tensor([3, 0, 4, 1, 2])
    out, _ = self_attention_by_hand(x, *weights, heads=2)
    assert torch.allclose(self_attention_by_hand(x[perm], *weights, heads=2)[0], out[perm], atol=1e-12)


def test_self_attention_exercises():
    report = run("self attention", 0, length=7)
    assert exercise(report, "causal-nonzero").answer == sum(range(1, 8))
    assert exercise(report, "head-width").answer == 4


def test_rnn_by_hand_matches_a_numpy_loop():
    rng = np.random.default_rng(3)
    x, w_ih, w_hh = rng.normal(size=(6, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    b_ih, b_hh, h0 = rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)
    hs = rnn_by_hand(*(torch.from_numpy(a) for a in (x, w_ih, w_hh, b_ih, b_hh, h0)))
    h = h0
    for t in range(6):
        h = np.tanh(w_ih @ x[t] + b_ih + w_hh @ h + b_hh)
        assert np.allclose(hs[t].numpy(), h, atol=1e-12)


def test_bptt_by_hand_matches_finite_differences():
    rng = np.random.default_rng(4)
    x, w_ih, w_hh = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)) / 2, rng.normal(size=(4, 4)) / 2
    b, h0, y = rng.normal(size=4), rng.normal(size=4), rng.normal(size=(5, 4))

    def loss(x, w_ih, w_hh, b, h0):
        h, total = h0, 0.0
        for t in range(len(x)):
            h = np.tanh(w_ih @ x[t] + w_hh @ h + b)
            total += 0.5 * ((h - y[t]) ** 2).sum()
        return total

    def numeric(i):
        args = [x, w_ih, w_hh, b, h0]
        grad = np.zeros_like(args[i])
        for idx in np.ndindex(grad.shape):
            up = [a.copy() for a in args]
            down = [a.copy() for a in args]
            up[i][idx] += 1e-6
            down[i][idx] -= 1e-6
            grad[idx] = (loss(*up) - loss(*down)) / 2e-6
        return grad

    t = [torch.from_numpy(a) for a in (x, w_ih, w_hh, b, h0)]
    hs = rnn_by_hand(t[0], t[1], t[2], t[3], torch.zeros(4, dtype=f64), t[4])
    grads = bptt_by_hand(t[0], hs, t[4], t[1], t[2], hs - torch.from_numpy(y))
    for i, name in enumerate(["x", "w_ih", "w_hh", "b", "h0"]):
        assert np.allclose(grads[name].numpy(), numeric(i), atol=1e-6), name


def test_rnn_exercises_follow_the_length():
    report = run("recurrent neural network", 0, length=9)
    assert exercise(report, "hops").answer == 8
    assert exercise(report, "param-count").answer == 4 * 3 + 4 * 4 + 2 * 4


def test_layer_norm_by_hand_matches_numpy():
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(3, 8)), rng.normal(size=8), rng.normal(size=8)
    got = layer_norm_by_hand(*(torch.from_numpy(a) for a in (x, w, b)), 1e-5).numpy()
    want = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5) * w + b
    assert np.allclose(got, want, atol=1e-12)


def test_encoder_layer_parameter_count_by_formula():
    report = run("encoder", 0)
    E, F = 8, 16
    assert (
        exercise(report, "layer-params").answer
        == (3 * E * E + 3 * E) + (E * E + E) + (F * E + F) + (E * F + E) + 4 * E
    )
    assert exercise(report, "code-shape").answer == [60, 3]


KNOBS = {
    "attention": st.fixed_dictionaries(
        {"d_k": st.integers(1, 64), "scale": st.sampled_from(["sqrt", "none"])}
    ),
    "self attention": st.fixed_dictionaries({"length": st.integers(2, 12)}),
    "recurrent neural network": st.fixed_dictionaries({"length": st.integers(1, 40)}),
    "encoder": st.fixed_dictionaries({"code": st.integers(1, 8), "norm": st.sampled_from(["post", "pre"])}),
}


@pytest.mark.parametrize("name", list(KNOBS))
def test_reference_and_property_checks_hold_at_any_knob(name):
    @settings(max_examples=4, deadline=None, derandomize=True)
    @given(values=KNOBS[name], seed=st.integers(0, 99))
    def check(values, seed):
        report = run(name, seed, **values)
        assert failures(report) == []

    check()
