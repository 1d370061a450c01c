"""The layers demos, recomputed independently: numpy loops, FFTs, closed forms, finite differences."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from mlterms.demos import registry
from mlterms.demos.hand.activations import softmax, softmax_naive
from mlterms.demos.hand.conv import conv2d, convolve2d_full, out_size, pool2d
from mlterms.demos.layers.activation_function import X_XOR, Y_XOR, act, act_grad, loss_and_grads
from mlterms.demos.layers.depth import weight_layers

from .util import column, exercise, run, table, tensor

LAYERS = [
    "convolution", "convolutional layer", "pooling layer", "dense layer", "depth",
    "embedding layer", "activation function", "softmax",
]  # fmt: skip
fast = settings(max_examples=25, deadline=None)


def arr(report, name: str) -> np.ndarray:
    return np.array(tensor(report, name).values, dtype=float)


def xcorr_numpy(x: np.ndarray, k: np.ndarray, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Cross-correlation as F.conv2d defines it, written independently with numpy windows."""
    x = np.pad(x, pad)
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape)[::stride, ::stride]  # (Ho, Wo, kH, kW)
    return np.einsum("ijab,ab->ij", windows, k)


def true_conv_fft(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Full 2-D convolution by the convolution theorem: a product of zero-padded FFTs."""
    shape = (x.shape[0] + k.shape[0] - 1, x.shape[1] + k.shape[1] - 1)
    return np.real(np.fft.ifft2(np.fft.fft2(x, shape) * np.fft.fft2(k, shape)))


def np_softmax(z: np.ndarray, T: float = 1.0) -> np.ndarray:
    e = np.exp((z - z.max(-1, keepdims=True)) / T)
    return e / e.sum(-1, keepdims=True)


# ----------------------------------------------------------------------- the hand helpers


def test_conv2d_on_numbers_worked_out_by_hand():
    x = torch.arange(16.0).view(4, 4)
    k = torch.tensor([[1.0, 0.0], [0.0, -1.0]])  # x[i, j] - x[i+1, j+1] = -5 everywhere
    assert conv2d(x, k).tolist() == [[-5.0] * 3] * 3
    assert conv2d(x, k, stride=2).tolist() == [[-5.0] * 2] * 2
    assert conv2d(x, k, padding=1)[0, 0].item() == -0.0  # the top-left window sees x[0, 0] under -1


@fast
@given(
    h=st.integers(3, 7), w=st.integers(3, 7), k=st.integers(1, 3), stride=st.integers(1, 3),
    pad=st.integers(0, 2), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_conv2d_matches_numpy_windows_and_the_size_formula(h, w, k, stride, pad, seed):
    rng = np.random.default_rng(seed)
    x, kern = (
        rng.normal(size=(h, w)),
        rng.normal(size=(k, k + 1 if k < 3 else k)),
    )  # a kernel that can't hide a flip
    got = conv2d(torch.tensor(x), torch.tensor(kern), stride=stride, padding=pad).numpy()
    np.testing.assert_allclose(got, xcorr_numpy(x, kern, stride, pad), atol=1e-12)
    starts = range(0, h + 2 * pad - k + 1, stride)  # where a window can start, counted
    assert out_size(h, k, stride, pad) == len(starts) == got.shape[0]


def test_true_convolution_is_the_fft_product_and_polynomial_multiplication():
    got = convolve2d_full(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 1.0]]))
    assert got.tolist() == [[1.0, 3.0, 2.0]]  # (1 + 2t)(1 + t) = 1 + 3t + 2t^2
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(4, 5)), rng.normal(size=(2, 3))
    got = convolve2d_full(torch.tensor(x), torch.tensor(k)).numpy()
    np.testing.assert_allclose(got, true_conv_fft(x, k), atol=1e-12)


@fast
@given(size=st.integers(2, 4), n=st.integers(1, 3), extra=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_pool2d_matches_numpy_reshape(size, n, extra, seed):
    H = n * size + min(extra, size - 1)  # rows left over at the edge are dropped
    x = np.random.default_rng(seed).normal(size=(H, H))
    blocks = x[: n * size, : n * size].reshape(n, size, n, size)
    np.testing.assert_allclose(pool2d(torch.tensor(x), size, "max").numpy(), blocks.max((1, 3)))
    np.testing.assert_allclose(pool2d(torch.tensor(x), size, "mean").numpy(), blocks.mean((1, 3)), atol=1e-12)


def test_pool2d_on_known_numbers():
    x = torch.tensor(
        [[1.0, 2.0, 5.0, 6.0], [3.0, 4.0, 7.0, 8.0], [-1.0, -2.0, 0.0, 0.0], [-3.0, -4.0, 0.0, 9.0]]
    )
    assert pool2d(x, 2, "max").tolist() == [[4.0, 8.0], [-1.0, 9.0]]
    assert pool2d(x, 2, "mean").tolist() == [[2.5, 6.5], [-2.5, 2.25]]


def test_softmax_known_values_temperature_divides_and_large_logits_stay_finite():
    p = softmax(torch.tensor([2.0, 0.0], dtype=torch.float64), T=2.0)
    assert p[0].item() == pytest.approx(math.e / (math.e + 1))  # exp(2/2) / (exp(1) + exp(0))
    big = softmax(torch.tensor([1000.0, 1001.0, 1002.0]))  # float32
    e = np.exp([-2.0, -1.0, 0.0])
    np.testing.assert_allclose(big.numpy(), e / e.sum(), rtol=1e-6)
    assert torch.isnan(softmax_naive(torch.tensor([1000.0, 1001.0, 1002.0]))).all()
    masked = softmax(torch.tensor([[0.3, float("-inf"), 1.0]], dtype=torch.float64))
    assert masked[0, 1] == 0 and masked.sum().item() == pytest.approx(1.0)


@fast
@given(
    st.lists(st.floats(-500, 500, allow_nan=False), min_size=1, max_size=8),
    st.floats(0.1, 10.0),
)
def test_softmax_matches_numpy(logits, T):
    z = np.array(logits)
    np.testing.assert_allclose(softmax(torch.tensor(z), T).numpy(), np_softmax(z, T), atol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "none"])
def test_activations_match_numpy_and_their_derivatives_finite_differences(name):
    x = np.array([-5.0, -1.3, -0.2, 0.4, 2.0, 6.0])
    want = {"sigmoid": 1 / (1 + np.exp(-x)), "tanh": np.tanh(x), "relu": np.maximum(x, 0), "none": x}[name]
    np.testing.assert_allclose(act(torch.tensor(x), name).numpy(), want, atol=1e-12)
    eps = 1e-6
    fd = (act(torch.tensor(x + eps), name) - act(torch.tensor(x - eps), name)).numpy() / (2 * eps)
    np.testing.assert_allclose(act_grad(torch.tensor(x), name).numpy(), fd, atol=1e-7)


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_xor_loss_and_gradients_against_numpy_and_finite_differences(name):
    X, y = np.array(X_XOR), np.array(Y_XOR)
    rng = np.random.default_rng(3)
    params = [rng.normal(size=s) for s in [(5, 2), (5,), (1, 5), (1,)]]
    f = {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh}[name]

    def loss(ps):  # binary cross-entropy of sigmoid outputs, straight from the definition
        z = f(X @ ps[0].T + ps[1]) @ ps[2].T + ps[3]
        p = 1 / (1 + np.exp(-z))
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())

    got_loss, got = loss_and_grads(torch.tensor(X), torch.tensor(y), [torch.tensor(p) for p in params], name)
    assert got_loss.item() == pytest.approx(loss(params), rel=1e-12)
    eps = 1e-6
    for i, p in enumerate(params):
        fd = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            up = [q.copy() for q in params]
            down = [q.copy() for q in params]
            up[i][idx] += eps
            down[i][idx] -= eps
            fd[idx] = (loss(up) - loss(down)) / (2 * eps)
        np.testing.assert_allclose(got[i].numpy(), fd, atol=1e-7)


def test_weight_layers_counts_conv_linear_embedding_but_not_norms():
    model = nn.Sequential(
        nn.Embedding(5, 3), nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(),
        nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4)), nn.Dropout(), nn.Linear(4, 2),
    )  # fmt: skip
    counted = [type(m).__name__ for _, m, c in weight_layers(model) if c]
    assert counted == ["Embedding", "Linear", "Linear", "Linear"]
    assert len(weight_layers(model)) == 8  # leaves only: the inner Sequential is walked into


# ------------------------------------------------------------------------ the reports


def test_convolution_output_flip_and_backward_against_numpy():
    report = run("convolution", 1, size=6, kernel=2)
    x, k = arr(report, "input x"), arr(report, "kernel k")
    np.testing.assert_allclose(arr(report, "output (feature map)"), xcorr_numpy(x, k), atol=1e-12)
    assert exercise(report, "valid-shape").answer == [5, 5]
    top = exercise(report, "top-left")
    assert top.answer == pytest.approx(float((np.array(top.given["top-left window"]) * k).sum()))
    xcorr = arr(report, "F.conv2d of the bright pixel (the kernel comes out flipped)")
    true = arr(report, "true convolution of the bright pixel (the kernel comes out as is)")
    k9 = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(xcorr[1:4, 1:4], k9[::-1, ::-1])
    np.testing.assert_array_equal(true[1:4, 1:4], k9)
    g = arr(report, "d loss / d out (upstream gradient g)")
    dx = np.zeros_like(x)  # the adjoint: each output (i, j) sends g[i, j] * k back to its window
    for i, j in np.ndindex(g.shape):
        dx[i : i + 2, j : j + 2] += g[i, j] * k
    np.testing.assert_allclose(
        arr(report, "d loss / d x by hand: conv2d(g, flip(k), padding k-1)"), dx, atol=1e-12
    )


def test_convolution_weight_table_counts():
    report = run("convolution", 0)
    t = table(report, "dense weights")
    assert column(t, "conv weights") == [9, 432]
    assert column(t, "dense weights") == [9 * 25, (3 * 32 * 32) * (16 * 32 * 32)]


@pytest.mark.parametrize(("kernel", "stride", "padding", "size"), [(3, 1, 1, 5), (4, 3, 2, 9), (1, 2, 0, 6)])
def test_convolutional_layer_sizes_and_parameters(kernel, stride, padding, size):
    report = run("convolutional layer", 0, kernel=kernel, stride=stride, padding=padding, size=size)
    own = math.floor((size + 2 * padding - kernel) / stride) + 1
    assert exercise(report, "output-shape").answer == [2, 4, own, own]
    t = table(report, "F.conv2d gives")
    for h, k, s, p, out in zip(
        *(column(t, c) for c in ("H", "k", "stride", "padding", "= H_out")), strict=True
    ):
        assert out == len(range(0, h + 2 * p - k + 1, s))  # count the window starts
    assert [7, 3, 2, 1, 4] in [
        [row[0], row[1], row[2], row[3], row[5]] for row in t.rows
    ]  # 7 -> 4: not floor(7/2)
    ex = exercise(report, "parameters")
    c_in, c_out, k = map(int, re.findall(r"\d+", ex.given["layer"])[1:])  # 'nn.Conv2d(5, 8, kernel_size=3)'
    assert ex.answer == c_out * c_in * k * k + c_out


@pytest.mark.parametrize(("pool", "size"), [(2, 6), (3, 8), (4, 12)])
def test_pooling_values_and_gradient_routing_against_numpy(pool, size):
    report = run("pooling layer", 2, pool=pool, size=size)
    x, n = arr(report, "channel 0"), size // pool
    blocks = x[: n * pool, : n * pool].reshape(n, pool, n, pool)
    np.testing.assert_allclose(arr(report, "max pooled, channel 0"), blocks.max((1, 3)))
    np.testing.assert_allclose(arr(report, "average pooled, channel 0"), blocks.mean((1, 3)), atol=1e-12)
    g = arr(report, "d loss / d out (upstream gradient g)")
    want = np.zeros_like(x)
    for i, j in np.ndindex(n, n):
        a, b = np.unravel_index(np.argmax(blocks[i, :, j, :]), (pool, pool))
        want[i * pool + a, j * pool + b] = g[i, j]
    np.testing.assert_array_equal(arr(report, "d loss / d x by hand: g at each window's argmax"), want)
    assert exercise(report, "nonzero-gradients").answer == n * n
    assert exercise(report, "pooled-shape").answer == [1, 2, n, n]


def test_dense_layer_against_numpy():
    report = run("dense layer", 3, n_in=5, n_out=2)
    x, W, b = arr(report, "x (N, in)"), arr(report, "W (out, in)"), arr(report, "b (out,)")
    np.testing.assert_allclose(arr(report, "y (N, out)"), x @ W.T + b, atol=1e-12)
    np.testing.assert_allclose(arr(report, "d y / d x (the Jacobian)"), W, atol=1e-12)
    assert exercise(report, "parameters").answer == 5 * 4 + 4  # nn.Linear(5, 4)
    assert column(table(report, "parameters"), "parameters") == [5 * 2 + 2, 784 * 128 + 128]


@pytest.mark.parametrize("hidden", [1, 3, 6])
def test_depth_counts_hidden_plus_output_not_batch_norm(hidden):
    report = run("depth", 0, hidden=hidden)
    t = table(report, "counts toward depth")
    assert column(t, "counts toward depth").count("yes") == hidden + 1
    assert exercise(report, "mlp-depth").answer == len(exercise(report, "mlp-depth").given["layer sizes"]) - 1
    ex = exercise(report, "cnn-counts")
    layers = ex.given["layers"]
    depth = sum(s.startswith(("Conv2d", "Linear")) for s in layers)
    with_params = depth + sum(s.startswith("BatchNorm") for s in layers)
    assert ex.answer == [with_params, depth] == [5, 3]


def test_embedding_lookup_and_gradient_rows():
    report = run("embedding layer", 4, vocab=9, dim=3, tokens=6)
    W, ids = arr(report, "W (vocab, dim)"), np.array(tensor(report, "token ids").values)
    np.testing.assert_array_equal(arr(report, "embedding vectors (tokens, dim)"), W[ids])
    dW = arr(report, "d loss / d W by hand: row i = sum of g over the tokens with id i")
    assert set(np.flatnonzero(np.abs(dW).sum(1))) == set(ids.tolist())
    assert len(set(ids.tolist())) < len(ids), "pick a seed where an id repeats"
    want = np.zeros_like(W)
    np.add.at(want, ids, arr(report, "d loss / d out (upstream gradient g, one row per token)"))
    np.testing.assert_allclose(dW, want, atol=1e-12)
    assert exercise(report, "rows-touched").answer == len(set(ids.tolist()))
    assert exercise(report, "parameters").answer == 90 * 5  # nn.Embedding(90, 5)


@pytest.mark.parametrize("seed", range(5))
def test_xor_linear_learns_nothing_and_the_relu_net_solves_it(seed):
    report = run("activation function", seed)
    t = table(report, "p linear")
    assert all(abs(p - 0.5) < 1e-3 for p in column(t, "p linear"))
    assert [round(p) for p in column(t, "p net (relu)")] == [v[0] for v in Y_XOR]
    losses = column(table(report, "final loss"), "final loss")
    assert losses[0] >= math.log(2) - 1e-9 and losses[1] < 0.1


def test_xor_without_an_activation_fails_and_is_not_asserted():
    report = run("activation function", 0, activation="none")
    assert all(abs(p - 0.5) < 1e-3 for p in column(table(report, "p net (none)"), "p net (none)"))
    assert [c.passed for c in report.checks if c.kind == "effect"] == [None]


@pytest.mark.parametrize("T", [0.3, 1.0, 4.0])
def test_softmax_report_against_numpy(T):
    report = run("softmax", 1, T=T, classes=5)
    z = arr(report, "logits z (N, K)")
    np.testing.assert_allclose(arr(report, f"softmax(z / T), T = {T:g}"), np_softmax(z, T), atol=1e-12)
    ex = exercise(report, "largest-prob")
    assert ex.answer == pytest.approx(np_softmax(np.array(ex.given["logits"]), T).max())
    ex = exercise(report, "grad-true-class")
    p = np_softmax(np.array(ex.given["logits"]), T)
    assert ex.answer == pytest.approx((p[ex.given["label"]] - 1) / T)
    t = table(report, "entropy")
    for row in t.rows:
        q = np_softmax(np.array([2.0, 1.0, 0.1]), row[0])
        np.testing.assert_allclose(row[1:4], q, atol=1e-12)
        assert row[4] == pytest.approx(-(q * np.log(q)).sum())


# ------------------------------------------------------------------- every valid knob


def knob_values(name: str):
    """A hypothesis strategy over the declared ranges of a demo's knobs."""
    strategies = {}
    for p in registry.params(name):
        if p.type == "int":
            strategies[p.name] = st.integers(int(p.min), int(p.max))
        elif p.type == "float":
            strategies[p.name] = st.floats(p.min, p.max)
        else:
            strategies[p.name] = st.sampled_from(p.choices)
    return st.fixed_dictionaries(strategies)


@pytest.mark.parametrize("name", LAYERS)
def test_reference_and_property_checks_hold_at_every_valid_knob(name):
    @settings(max_examples=4, deadline=None, derandomize=True)
    @given(values=knob_values(name), seed=st.integers(0, 4))
    def check(values, seed):
        report = registry.run(name, seed, values)
        assert [c.name for c in report.checks if c.passed is False] == []
        assert any(c.kind == "reference" for c in report.checks)
        assert 1 <= len(report.exercises) <= 3

    check()
