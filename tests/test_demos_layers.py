"""Tests for the layer demos (mlterms/demos/layers.py).

Every demo checks itself against PyTorch; these tests also recompute the key numbers
independently (numpy, closed forms, hand-computed values), so a demo cannot pass by checking
only itself.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import layers, registry

NAMES = [
    "convolution",
    "convolutional layer",
    "pooling layer",
    "dense layer",
    "depth",
    "embedding layer",
    "activation function",
    "softmax",
]
f64 = torch.float64
fast = settings(max_examples=15, deadline=None)


def item(report, kind: str, name: str):
    """The first item of a kind ('tensor', 'scalar', 'table', ...) with that name or title."""
    for section in report.sections:
        for it in section.items:
            if it.kind == kind and (getattr(it, "name", None) == name or getattr(it, "title", None) == name):
                return it
    raise KeyError(f"{kind} {name!r} not in report {report.term!r}")


# ---------------------------------------------------------------------------- every demo


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_demo_runs_and_all_checks_pass(name, seed):
    report = registry.run(name, seed)
    assert report.sections and report.summary
    assert report.checks, "every demo makes checks"
    assert report.passed, [(c.name, c.detail) for c in report.checks if not c.passed]
    compared = [c for c in report.checks if c.detail.startswith("max|diff|") or " == " in c.detail]
    assert compared, "at least one check compares a computed value with a reference"


@pytest.mark.parametrize("name", ["convolution", "softmax"])
def test_demo_is_deterministic_for_a_seed(name):
    a, b = registry.run(name, 3), registry.run(name, 3)
    assert repr(a) == repr(b)  # repr, not ==: the naive softmax holds nan, and nan != nan


def test_importing_the_demos_does_not_import_torch():
    code = "import sys, mlterms.demos.layers; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- convolution


def test_conv2d_by_hand_on_numbers_worked_out_by_hand():
    x = torch.arange(16.0).view(4, 4)
    k = torch.tensor([[1.0, 0.0], [0.0, -1.0]])  # x[i, j] - x[i+1, j+1] = -5 everywhere
    assert layers.conv2d_by_hand(x, k).tolist() == [[-5.0] * 3] * 3
    assert layers.conv2d_by_hand(x, k, stride=2).tolist() == [[-5.0] * 2] * 2
    # padding 1: the top-left window sees only x[0, 0] under the -1 tap
    assert layers.conv2d_by_hand(x, k, padding=1)[0, 0].item() == -0.0


@fast
@given(
    h=st.integers(3, 7),
    w=st.integers(3, 7),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    seed=st.integers(0, 2**16),
)
def test_conv2d_by_hand_matches_f_conv2d_and_the_size_formula(h, w, k, stride, pad, seed):
    g = torch.Generator().manual_seed(seed)
    x, kern = torch.randn(h, w, generator=g, dtype=f64), torch.randn(k, k, generator=g, dtype=f64)
    got = layers.conv2d_by_hand(x, kern, stride=stride, padding=pad)
    ref = F.conv2d(x[None, None], kern[None, None], stride=stride, padding=pad)[0, 0]
    torch.testing.assert_close(got, ref)
    assert got.shape == ((h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1)
    assert layers.conv_out_size(h, k, stride, pad) == got.shape[0]


def test_true_convolution_is_polynomial_multiplication():
    # 1-D convolution of coefficient lists multiplies polynomials: (1 + 2t)(1 + t) = 1 + 3t + 2t^2
    got = layers.convolve2d_full(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 1.0]]))
    assert got.tolist() == [[1.0, 3.0, 2.0]]
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=6), rng.normal(size=3)
    got = layers.convolve2d_full(torch.tensor(a[None]), torch.tensor(b[None]))[0].numpy()
    np.testing.assert_allclose(got, np.convolve(a, b), atol=1e-12)


def test_conv_as_matrix_is_the_same_linear_map():
    k = torch.randn(3, 3, dtype=f64)
    x = torch.randn(5, 6, dtype=f64)
    M = layers.conv_as_matrix(k, 5, 6)
    assert M.shape == (3 * 4, 30)
    torch.testing.assert_close((M @ x.flatten()).view(3, 4), layers.conv2d_by_hand(x, k))


def test_gaussian_kernel_values():
    g = layers.gaussian_kernel(3, sigma=1.0)
    edge, corner = math.exp(-0.5), math.exp(-1.0)
    total = 1 + 4 * edge + 4 * corner
    assert g[1, 1].item() == pytest.approx(1 / total)
    assert g[0, 1].item() == pytest.approx(edge / total)
    assert g[0, 0].item() == pytest.approx(corner / total)


def test_convolution_report_shows_the_flip():
    report = registry.run("convolution", 0)
    xcorr = item(report, "tensor", "F.conv2d of the bright pixel (kernel comes out flipped)").values
    true = item(report, "tensor", "true convolution of the bright pixel (kernel comes out as is)").values
    assert [row[1:4] for row in xcorr[1:4]] == [[9, 8, 7], [6, 5, 4], [3, 2, 1]]
    assert [row[1:4] for row in true[1:4]] == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_convolutional_layer_sizes_and_parameter_counts():
    report = registry.run("convolutional layer", 0)
    for k, s, p, _, formula, actual in item(report, "table", "input 7x7").rows:
        assert formula == actual == math.floor((7 + 2 * p - k) / s) + 1
    counts = {row[0]: row[2] for row in report.sections[2].items[0].rows}
    assert counts == {"Conv2d(3, 4, 3)": 4 * 3 * 3 * 3 + 4, "Linear(75, 100)": 75 * 100 + 100}


# ------------------------------------------------------------------------- pooling, dense


def test_pooling_by_hand_on_known_numbers():
    x = torch.tensor(
        [[1.0, 2.0, 5.0, 6.0], [3.0, 4.0, 7.0, 8.0], [-1.0, -2.0, 0.0, 0.0], [-3.0, -4.0, 0.0, 9.0]]
    )
    assert layers.pool2d_by_hand(x, 2, "max").tolist() == [[4.0, 8.0], [-1.0, 9.0]]
    assert layers.pool2d_by_hand(x, 2, "mean").tolist() == [[2.5, 6.5], [-2.5, 2.25]]


def test_dense_by_hand_matches_numpy():
    rng = np.random.default_rng(1)
    x, W, b = rng.normal(size=(3, 5)), rng.normal(size=(2, 5)), rng.normal(size=2)
    got = layers.dense_by_hand(torch.tensor(x), torch.tensor(W), torch.tensor(b)).numpy()
    np.testing.assert_allclose(got, x @ W.T + b, atol=1e-12)


def test_depth_counts_hidden_plus_output_layers():
    report = registry.run("depth", 0)
    assert item(report, "scalar", "depth = hidden + output").value == 4  # 4 -> 8 -> 8 -> 8 -> 2
    rows = report.sections[0].items[0].rows
    assert sum(row[2] == "yes" for row in rows) == 4
    assert rows[0][2] == "no"  # the input layer is not counted


def test_embedding_numbers():
    report = registry.run("embedding layer", 0)
    assert item(report, "scalar", "parameters in W: 73,000 x 12").value == 876_000
    W = np.array(item(report, "tensor", "W (vocab, dim)").values)
    vectors = np.array(item(report, "tensor", "embedding vectors (4, dim)").values)
    np.testing.assert_array_equal(vectors, W[[2, 0, 5, 2]])
    grad = np.array(item(report, "tensor", "grad of W").values)
    np.testing.assert_array_equal(grad[:, 0], [1, 0, 2, 0, 0, 1])  # counts of each id in [2, 0, 5, 2]


# ------------------------------------------------------------------- activations, softmax


def test_xor_gradients_by_hand_match_autograd():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=f64)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=f64)
    g = torch.Generator().manual_seed(5)
    for shapes in ([(1, 2), (1,)], [(6, 2), (6,), (1, 6), (1,)]):
        params = [torch.randn(s, generator=g, dtype=f64) for s in shapes]
        leaves = [p.clone().requires_grad_() for p in params]
        F.binary_cross_entropy_with_logits(layers.xor_logits(X, leaves), y).backward()
        for got, leaf in zip(layers.xor_grads(X, y, params), leaves, strict=True):
            torch.testing.assert_close(got, leaf.grad)


def test_bce_by_hand_is_stable_for_large_logits():
    z = torch.tensor([[-200.0], [-3.0], [0.0], [50.0], [300.0]], dtype=f64)
    y = torch.tensor([[1.0], [0.0], [1.0], [0.0], [1.0]], dtype=f64)
    got = layers.bce_with_logits(z, y)
    assert math.isfinite(got.item())
    torch.testing.assert_close(got, F.binary_cross_entropy_with_logits(z, y))


def test_xor_result():
    report = registry.run("activation function", 0)
    rows = {row[0]: row for row in report.sections[2].items[0].rows}
    assert rows["2 -> 16 ReLU -> 1"][2] == 1.0
    assert rows["linear 2 -> 1"][2] <= 0.75
    assert rows["linear 2 -> 1"][1] >= math.log(2) - 1e-6  # ln 2 is a linear model's best loss on XOR


@fast
@given(
    st.lists(st.floats(-1000, 1000, allow_nan=False, allow_infinity=False), min_size=1, max_size=8),
    st.sampled_from([0.5, 1.0, 2.0]),
)
def test_softmax_by_hand_sums_to_one_and_matches_torch(logits, T):
    z = torch.tensor(logits, dtype=f64)
    p = layers.softmax_by_hand(z, T)
    assert torch.isfinite(p).all() and (p >= 0).all()
    assert p.sum().item() == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(p, torch.softmax(z / T, dim=-1))
    assert p[z.argmax()] == p.max()  # the order of the classes is kept


def test_softmax_report_against_numpy():
    report = registry.run("softmax", 4)
    z = np.array(item(report, "tensor", "logits z (3 examples, 4 classes)").values)
    p = np.array(item(report, "tensor", "softmax(z)").values)
    e = np.exp(z)  # small logits: the naive formula is safe here
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), atol=1e-12)
    naive = item(report, "tensor", "naive exp(z) / sum").values
    assert all(math.isnan(v) for v in naive)
    stable = item(report, "tensor", "stable exp(z - max) / sum").values
    e = np.exp([-2.0, -1.0, 0.0])
    np.testing.assert_allclose(stable, e / e.sum(), atol=1e-6)
