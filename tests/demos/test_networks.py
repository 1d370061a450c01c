"""The networks demos (kernel, padding, stride, CNN, hidden layer, neural network), recomputed with numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from mlterms.demos.hand.windows import conv2d_by_hand, out_size, pad_by_hand, windows

from .util import column, exercise, row, run, table, tensor

NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def correlate(x: np.ndarray, k: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid cross-correlation with numpy's sliding windows."""
    return (sliding_window_view(x, k.shape) * k).sum(axis=(-2, -1))[::stride, ::stride]


# ------------------------------------------------------------------------------ hand/windows


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(4, 7),
    w=st.integers(4, 7),
    pads=st.tuples(*[st.integers(0, 3)] * 4),
    mode=st.sampled_from(sorted(NUMPY_MODES)),
    seed=st.integers(0, 2**16),
)
def test_pad_by_hand_matches_numpy_pad(h, w, pads, mode, seed):
    x = np.random.default_rng(seed).normal(size=(h, w))
    top, bottom, left, right = pads
    got = pad_by_hand(torch.tensor(x), top, bottom, left, right, mode).numpy()
    assert got == pytest.approx(np.pad(x, ((top, bottom), (left, right)), mode=NUMPY_MODES[mode]))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(5, 9),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    seed=st.integers(0, 99),
)
def test_conv2d_by_hand_matches_numpy_windows(n, k, s, p, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    got = conv2d_by_hand(torch.tensor(x), torch.tensor(w), stride=s, pad=p).numpy()
    want = correlate(np.pad(x, p), w, s)
    assert got.shape == want.shape == (out_size(n, k, s, p),) * 2
    assert got == pytest.approx(want)


def test_windows_rows_are_the_patches_in_reading_order():
    x = torch.arange(12.0).view(3, 4)
    P = windows(x, 2)
    assert P.shape == (6, 4)
    assert P[0].tolist() == [0, 1, 4, 5] and P[5].tolist() == [6, 7, 10, 11]


# ------------------------------------------------------------------------------------ kernel


def test_kernel_sobel_response_and_exercise():
    report = run("kernel", 3, size=9)
    image = np.array(tensor(report, "image (H, W)").values)
    sobel = np.array(tensor(report, "Sobel-x kernel (vertical edges)").values)
    assert tensor(report, "Sobel-x response (H-2, W-2)").values == pytest.approx(correlate(image, sobel))
    flipped = tensor(report, "Sobel-y response (kernel: Sobel-x transposed)").values
    assert flipped == pytest.approx(correlate(image, sobel.T))
    ex = exercise(report, "sobel-response")
    assert ex.answer == pytest.approx((np.array(ex.given["window"]) * np.array(ex.given["kernel"])).sum())


def test_noise_free_targets_give_back_the_hidden_kernel():
    learned = np.array(tensor(run("kernel", 1, noise=0.0), "learned kernel").values)
    assert learned == pytest.approx(np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]), abs=1e-6)


def test_kernel_parameter_counts_conv_vs_dense():
    report = run("kernel", 0, size=12)
    t = table(report, "parameters, by formula")
    h_out = 12 - 3 + 1
    assert row(t, "Conv2d (shared)")[2] == 8 * 3 * 9 + 8
    assert row(t, "Linear (dense)")[2] == (3 * 12 * 12) * (8 * h_out * h_out) + 8 * h_out * h_out
    assert row(t, "a kernel per position")[2] == h_out * h_out * (8 * 3 * 9 + 8)
    ex = exercise(report, "conv-params")
    g = ex.given
    assert ex.answer == g["C_out"] * g["C_in"] * g["kernel_size"] ** 2 + g["C_out"]


# ----------------------------------------------------------------------------------- padding


def brute_force_reads(n: int, k: int, p: int) -> np.ndarray:
    """For each pixel of an n x n image padded by p, the number of k x k windows containing it."""
    reads = np.zeros((n + 2 * p, n + 2 * p))
    for i in range(n + 2 * p - k + 1):
        for j in range(n + 2 * p - k + 1):
            reads[i : i + k, j : j + k] += 1
    return reads[p : p + n, p : p + n]


@pytest.mark.parametrize("k", [2, 3, 5])
def test_padding_windows_per_pixel(k):
    report = run("padding", 2, k=k, size=8)
    t = table(report, "corner pixel")
    p = (k - 1) // 2
    for name, pad in (("'valid'", 0), (f"p = {p}", p)):
        reads = brute_force_reads(8, k, pad)
        assert row(t, name)[1:] == pytest.approx([reads[0, 0], reads[0, 4], reads[4, 4]])


def test_padding_same_for_an_even_kernel_pads_one_more_at_the_bottom():
    t = table(run("padding", 0, k=4), "rows (top, bottom)")
    assert [list(cell) for cell in row(t, "'same'")[1:4]] == [[1, 2], [1, 2], [7, 7]]
    assert list(row(t, "'valid' (padding=0)")[3]) == [4, 4]


@pytest.mark.parametrize("k", [3, 5, 6])
def test_padding_zero_border_darkens_and_reflect_keeps_flat(k):
    report = run("padding", 0, k=k, size=9)
    kb = k if k % 2 else k + 1
    p = (kb - 1) // 2
    blurred = correlate(np.pad(np.ones((9, 9)), p), np.full((kb, kb), 1 / kb**2))
    assert tensor(report, "blurred, zero padding").values == pytest.approx(blurred)
    t = table(report, "edge")
    assert row(t, "reflect")[1:] == pytest.approx([1, 1, 1])
    assert exercise(report, "corner-blur").answer == pytest.approx(blurred[0, 0])


def test_padding_output_sizes_and_exercise():
    report = run("padding", 0, k=5, size=10)
    t = table(report, "F.conv2d gives")
    assert column(t, "F.conv2d gives") == [10 + 2 * p - 5 + 1 for p in range(4)]
    ex = exercise(report, "out-size")
    g = ex.given
    x = np.zeros((g["H"] + 2 * g["padding (each side)"],) * 2)
    assert ex.answer == correlate(x, np.zeros((g["kernel_size"],) * 2)).shape[0]


# ------------------------------------------------------------------------------------ stride


@pytest.mark.parametrize(("s", "k", "p"), [(2, 3, 1), (3, 2, 0), (4, 5, 2), (1, 1, 0)])
def test_stride_output_is_the_subsampled_stride_1_output(s, k, p):
    report = run("stride", 1, stride=s, k=k, padding=p, size=8)
    dense = np.array(tensor(report, "every position (stride 1)").values)
    strided = np.array(tensor(report, f"stride {s} output").values)
    want_rows = (8 + 2 * p - k) // s + 1
    assert strided.shape == (want_rows, want_rows)
    assert strided == pytest.approx(dense[::s, ::s])


def test_stride_size_table_and_exercise():
    report = run("stride", 0, k=5, padding=2, size=9)
    t = table(report, "F.conv2d gives")
    for h, s, _, formula, actual, _ in t.rows:
        windows_start = range(0, h + 4 - 5 + 1, s)  # padded rows where a 5-row window starts and fits
        assert formula == actual == len(windows_start)
    ex = exercise(report, "out-size")
    g = ex.given
    assert ex.answer == len(range(0, g["H"] + 2 * g["padding"] - g["kernel_size"] + 1, g["stride"]))


@pytest.mark.parametrize(("s", "k", "p"), [(2, 3, 1), (3, 1, 0), (4, 2, 1)])
def test_stride_pixels_never_read(s, k, p):
    report = run("stride", 0, stride=s, k=k, padding=p, size=10)
    read = np.zeros((10 + 2 * p,) * 2, dtype=bool)
    for i in range(0, 10 + 2 * p - k + 1, s):
        for j in range(0, 10 + 2 * p - k + 1, s):
            read[i : i + k, j : j + k] = True
    never = int((~read[p : p + 10, p : p + 10]).sum())
    assert exercise(report, "never-read").answer == never
    assert row(table(report, "never read"), f"k={k}, s={s}, p={p}")[3] == never


# ---------------------------------------------------------------------- convolutional neural network


@pytest.mark.parametrize("size", [8, 13, 16])
def test_cnn_shapes_and_counts_layer_by_layer(size):
    report = run("convolutional neural network", 0, size=size)
    t = table(report, "shape, formula")
    h1 = size // 2  # same-padded conv, then a 2x2 pool
    h2 = (h1 - 2) // 2  # valid conv, then a pool
    assert column(t, "torch gives") == [
        f"4x{size}x{size}", f"4x{size}x{size}", f"4x{h1}x{h1}",
        f"8x{h1 - 2}x{h1 - 2}", f"8x{h1 - 2}x{h1 - 2}", f"8x{h2}x{h2}", f"{8 * h2 * h2}", "10",
    ]  # fmt: skip
    assert column(t, "numel") == [4 * 9 + 4, 0, 0, 8 * 4 * 9 + 8, 0, 0, 0, 8 * h2 * h2 * 10 + 10]
    assert exercise(report, "flatten-size").answer == 8 * h2 * h2


def test_cnn_and_mlp_have_equal_parameters_and_the_cnn_wins_held_out():
    report = run("convolutional neural network", 3)
    t = table(report, "held-out acc")
    cnn, mlp = t.rows
    assert cnn[1] == 12 * 9 + 12 + 12 * 1 + 1 == mlp[1] == 64 * 2 + 2 + 2 * 1 + 1
    assert cnn[4] > mlp[4] + 0.2
    shifted = table(report, "global max of each feature map")
    assert row(shifted, "x")[1] == pytest.approx(row(shifted, "shifted x")[1])


# ------------------------------------------------------------------------------- hidden layer


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_hidden_layer_representation_feeds_the_output(activation):
    report = run("hidden layer", 2, width=3, activation=activation)
    t = table(report, "output logit")
    xs = np.array([r[:2] for r in t.rows])
    assert [r[2] for r in t.rows] == [int(a * b < 0) for a, b in xs]  # the XOR label of each corner
    h = np.array([r[3:6] for r in t.rows])
    if activation == "relu":
        assert (h >= 0).all()
    else:
        assert (np.abs(h) <= 1).all() and (h < 0).any()


def test_hidden_layer_parameter_counts_and_the_hand_set_layer():
    report = run("hidden layer", 0, width=5)
    t = table(report, "held-out acc")
    assert [r[1] for r in t.rows] == [2 + 1, 2 * 5 + 5 + 5 + 1]
    assert t.rows[1][4] > t.rows[0][4]
    ex = exercise(report, "hidden-values")
    x, W1, b1 = (np.array(ex.given[k]) for k in ("x", "W1", "b1"))
    assert ex.answer == pytest.approx(np.maximum(W1 @ x + b1, 0), abs=1e-6)
    hand = table(report, "0.5 - h1 - h2")
    for x1, x2, h1, h2, out in hand.rows:
        assert (h1, h2) == (max(x1 + x2 - 1, 0), max(-x1 - x2 - 1, 0))
        assert (out > 0) == (x1 * x2 < 0)


# ----------------------------------------------------------------------------- neural network


def test_neural_network_unit_and_parameter_counts():
    report = run("neural network", 4)
    ex = exercise(report, "unit-output")
    w, b, x = (np.array(ex.given[k]) for k in ("w", "b", "x"))
    assert ex.answer == pytest.approx(np.tanh(w @ x + b), abs=1e-9)
    assert exercise(report, "param-count").answer == 784 * 64 + 64 + 64 * 10 + 10
    t = table(report, "weights + biases")
    assert row(t, "784 -> 128 -> 10")[2] == 784 * 128 + 128 + 128 * 10 + 10
    assert row(t, "784 -> 256 -> 128 -> 10")[2] == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10


def test_neural_network_wider_fits_held_out_better():
    report = run("neural network", 0, width=16)
    t = table(report, "held-out MSE")
    assert column(t, "hidden units") == [1, 3, 16]
    assert column(t, "parameters") == [h + h + h + 1 for h in (1, 3, 16)]
    held_out = column(t, "held-out MSE")
    assert held_out[2] < held_out[1] < held_out[0]
