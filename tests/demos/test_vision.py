"""The vision demos and their by-hand helpers, recomputed with numpy loops and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlterms.demos.hand.vision import (
    conv2d_nchw,
    conv_out,
    conv_transpose2d_nchw,
    conv_transpose_out,
    ece,
    fit_softmax,
    receptive_fields,
    support,
)
from mlterms.demos.report import Heatmap

from .util import column, exercise, run, scalar, table, tensor

# -- the shared by-hand helpers -----------------------------------------------------------------


def numpy_conv(x, w, stride, padding, dilation, groups):
    """The definition, one output number at a time."""
    N, C, H, W = x.shape
    C_out, C_g, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    H_out = (H + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out))
    per_group = C_out // groups
    for n in range(N):
        for o in range(C_out):
            chans = range((o // per_group) * C_g, (o // per_group + 1) * C_g)
            for i in range(H_out):
                for j in range(W_out):
                    for ci, c in enumerate(chans):
                        for a in range(k):
                            for b in range(k):
                                pixel = xp[n, c, i * stride + a * dilation, j * stride + b * dilation]
                                out[n, o, i, j] += pixel * w[o, ci, a, b]
    return out


@pytest.mark.parametrize(
    "C, C_out, groups, k, stride, padding, dilation",
    [(4, 6, 2, 3, 2, 1, 2), (3, 3, 3, 3, 1, 0, 1), (2, 4, 1, 2, 3, 2, 3), (1, 2, 1, 1, 1, 0, 1)],
)
def test_conv2d_nchw_is_the_definition(C, C_out, groups, k, stride, padding, dilation):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, C, 8, 9)), rng.normal(size=(C_out, C // groups, k, k))
    got = conv2d_nchw(torch.tensor(x), torch.tensor(w), stride, padding, dilation, groups).numpy()
    np.testing.assert_allclose(got, numpy_conv(x, w, stride, padding, dilation, groups), atol=1e-12)
    assert got.shape[2] == conv_out(8, k, stride, padding, dilation)


def test_conv_transpose2d_nchw_is_the_adjoint_of_the_conv():
    rng = np.random.default_rng(1)
    for stride, padding, k in [(1, 0, 3), (2, 1, 3), (3, 0, 2), (2, 1, 4), (3, 2, 3)]:
        x = torch.tensor(rng.normal(size=(1, 2, 7, 7)))
        w = torch.tensor(rng.normal(size=(3, 2, k, k)))  # the conv's (C_out, C_in, k, k)
        y = torch.tensor(rng.normal(size=conv2d_nchw(x, w, stride, padding).shape))
        op = (7 + 2 * padding - k) % stride  # the input rows the conv's last window did not reach
        xt = conv_transpose2d_nchw(y, w, stride, padding, op)  # the same w, read as (C_in, C_out, k, k)
        assert xt.shape == x.shape
        assert float((y * conv2d_nchw(x, w, stride, padding)).sum()) == pytest.approx(float((x * xt).sum()))
        assert xt.shape[2] == conv_transpose_out(y.shape[2], k, stride, padding, op)


def test_receptive_fields_closed_forms():
    assert receptive_fields([(3, 1, 1)] * 4) == [3, 5, 7, 9]  # 1 + 2L
    assert receptive_fields([(3, 1, 2**i) for i in range(4)]) == [3, 7, 15, 31]  # 2^(L+1) - 1
    assert receptive_fields([(2, 2, 1)] * 3) == [2, 4, 8]  # non-overlapping 2x2, stride 2: 2^L
    assert receptive_fields([(5, 2, 1), (3, 1, 1)]) == [5, 9]  # the 3x3 taps are 2 input pixels apart


def test_support_is_the_bounding_box_of_the_nonzeros():
    g = torch.zeros(6, 7)
    assert support(g) == (0, 0)
    g[1, 2], g[4, 2], g[3, 5] = 1.0, -2.0, 0.5
    assert support(g) == (4, 4)


def test_fit_softmax_follows_the_autograd_gradient():
    rng = np.random.default_rng(2)
    X = torch.tensor(rng.normal(size=(5, 3)))
    T = torch.softmax(torch.tensor(rng.normal(size=(5, 4))), dim=1)
    W, b = fit_softmax(X, T, steps=1, lr=1.0, wd=0.3)
    W0 = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    b0 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    F.cross_entropy(X @ W0 + b0, T).backward()  # the wd term has no gradient at W = 0
    np.testing.assert_allclose(W.numpy(), -W0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(b.numpy(), -b0.grad.numpy(), atol=1e-12)
    W2, _ = fit_softmax(X, T, steps=2, lr=1.0, wd=0.3)
    W1 = W.clone().requires_grad_()
    loss = F.cross_entropy(X @ W1 + b, T) + 0.15 * (W1**2).sum()
    loss.backward()
    np.testing.assert_allclose(W2.numpy(), (W - W1.grad).numpy(), atol=1e-12)


def test_ece_on_a_hand_count():
    probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]], dtype=torch.float64)
    labels = torch.tensor([0, 1, 1, 1])
    # bins of 0.1: {0.9}, {0.8}, {0.7}, {0.55}: accuracy 1, 0, 1, 1 against those confidences
    want = (abs(1 - 0.9) + abs(0 - 0.8) + abs(1 - 0.7) + abs(1 - 0.55)) / 4
    assert ece(probs, labels) == pytest.approx(want)


# -- global average pooling ----------------------------------------------------------------------


@pytest.mark.parametrize("seed, knobs", [(0, {}), (3, {"size": 3, "channels": 5})])
def test_gap_is_the_mean_of_each_map(seed, knobs):
    report = run("global average pooling", seed, **knobs)
    x = np.array(tensor(report, "input x (N, C, H, W), image 0, channel 0").values)
    pooled = np.array(tensor(report, "pooled (N, C)").values)
    assert pooled[0, 0] == pytest.approx(x.mean())
    assert list(pooled.shape) == exercise(report, "pooled-shape").answer


def test_gap_head_weights_against_the_flatten_head():
    report = run("global average pooling", 1, size=5, channels=4)
    t = table(report, "flatten head weights")
    for maps, weights in zip(column(t, "feature maps"), column(t, "flatten head weights"), strict=True):
        C, H, W = (int(n) for n in maps.split("x"))
        assert weights == C * H * W * 10 + 10
    e = exercise(report, "head-weights")
    C, classes = e.given["maps (C, H, W)"][0], e.given["classes"]
    assert e.answer == C * classes + classes == 50


# -- transposed convolution ----------------------------------------------------------------------


def numpy_stamps(y, w, stride, padding):
    """Each input pixel adds w * pixel at (i s, j s), then the padding is cut from the borders."""
    n, k = y.shape[0], w.shape[0]
    out = np.zeros(((n - 1) * stride + k,) * 2)
    for i in range(n):
        for j in range(n):
            out[i * stride : i * stride + k, j * stride : j * stride + k] += y[i, j] * w
    return out[padding : out.shape[0] - padding, padding : out.shape[1] - padding]


@pytest.mark.parametrize("seed, knobs", [(0, {}), (2, {"stride": 3, "kernel": 2, "padding": 1, "size": 4})])
def test_transposed_convolution_output_is_the_sum_of_stamps(seed, knobs):
    report = run("transposed convolution", seed, **knobs)
    y = np.array(tensor(report, "input y").values)
    w = np.array(tensor(report, "kernel w").values)
    e = exercise(report, "output-size")
    out = np.array(tensor(report, f"output ({e.answer}x{e.answer})").values)
    np.testing.assert_allclose(out, numpy_stamps(y, w, e.given["stride"], e.given["padding"]), atol=1e-12)
    g = e.given
    assert e.answer == (g["input H"] - 1) * g["stride"] - 2 * g["padding"] + g["kernel"]


@pytest.mark.parametrize("stride, kernel", [(2, 3), (2, 4), (3, 2), (1, 3)])
def test_transposed_convolution_overlap_counts(stride, kernel):
    report = run("transposed convolution", 0, stride=stride, kernel=kernel)
    heat = [it for s in report.sections for it in s.items if getattr(it, "kind", "") == "heatmap"][0]
    count = np.array(heat.values)
    np.testing.assert_array_equal(count, numpy_stamps(np.ones((4, 4)), np.ones((kernel, kernel)), stride, 0))
    assert (
        exercise(report, "most-stamps").answer == (-(-kernel // stride)) ** 2 == count.max()
    )  # ceil(k / s) per axis


# -- dilated convolution -------------------------------------------------------------------------


@pytest.mark.parametrize("seed, knobs", [(0, {}), (1, {"dilation": 3, "kernel": 2, "size": 10})])
def test_dilated_kernel_has_its_weights_d_apart(seed, knobs):
    report = run("dilated convolution", seed, **knobs)
    e = exercise(report, "span")
    d, k = e.given["dilation"], e.given["kernel"]
    sparse = np.array(tensor(report, "kernel (out 0, in 0) with its zeros").values)
    assert sparse.shape == (e.answer, e.answer) == (d * (k - 1) + 1,) * 2
    taps = np.zeros_like(sparse, dtype=bool)
    taps[::d, ::d] = True
    assert np.all(sparse[~taps] == 0) and np.count_nonzero(sparse[taps]) == k * k
    out = np.array(tensor(report, "output channel 0").values)
    assert out.shape[0] == knobs.get("size", 9) - d * (k - 1)


def test_dilated_stacks_field_and_holes():
    report = run("dilated convolution", 2)
    t = table(report, "receptive field by formula")
    for dilations, rf, measured, read in zip(
        column(t, "dilations"), column(t, "receptive field by formula"), column(t, "measured (gradient support)"),
        column(t, "pixels read"), strict=True,
    ):  # fmt: skip
        ds = [int(d) for d in dilations.strip("()").split(",")]
        assert rf == 1 + 2 * sum(ds) and measured == f"{rf}x{rf}"
        if len(set(ds)) == 1:  # a 3x3 stack at one dilation d reads offsets that are multiples of d
            assert read == (2 * len(ds) + 1) ** 2
    grid = np.array(
        tensor(report, "(2, 2, 2): input pixels that reach the centre output (1) or not (0)").values
    )
    want = np.zeros((13, 13), dtype=int)
    want[::2, ::2] = 1
    np.testing.assert_array_equal(grid, want)
    assert exercise(report, "stack-field").answer == 15


# -- receptive field -----------------------------------------------------------------------------


def plot(report, title):
    found = [it for s in report.sections for it in s.items if getattr(it, "title", None) == title]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("knobs", [{}, {"layers": 4, "kernel": 2, "stride": 2}, {"layers": 2, "kernel": 5}])
def test_receptive_field_closed_form(knobs):
    report = run("receptive field", 0, **knobs)
    L, k, s = knobs.get("layers", 3), knobs.get("kernel", 3), knobs.get("stride", 1)
    t = table(report, "field by formula")
    for layer, field, measured in zip(
        column(t, "layer"), column(t, "field by formula"), column(t, "measured"), strict=True
    ):
        want = 1 + (k - 1) * (layer if s == 1 else (s**layer - 1) // (s - 1))  # 1 + (k-1)(1 + s + ... )
        assert field == want and measured == f"{want}x{want}"
    assert exercise(report, "field").answer == 1 + (k - 1) * (L if s == 1 else (s**L - 1) // (s - 1))
    assert exercise(report, "layers-for-11").answer == 5  # 1 + 2 * 5 = 11


def test_effective_field_counts_paths():
    report = run("receptive field", 0)  # three 3x3 box layers: (1 + z + z^2)^3 = 1 3 6 7 6 3 1
    share = plot(report, "share of the gradient along the centre row").series["share"]
    assert share == pytest.approx(np.array([1, 3, 6, 7, 6, 3, 1]) / 27)


# -- label smoothing -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed, eps", [(0, 0.1), (1, 0.3)])
def test_label_smoothing_targets_and_best_margin(seed, eps):
    report = run("label smoothing", seed, eps=eps) if eps != 0.1 else run("label smoothing", seed)
    y = np.array(tensor(report, "labels y").values)
    q = np.array(tensor(report, "smoothed targets q (B, K)").values)
    want = np.full((len(y), 3), eps / 3)
    want[np.arange(len(y)), y] = 1 - eps + eps / 3
    np.testing.assert_allclose(q, want, atol=1e-12)
    assert scalar(report, "best margin by formula") == pytest.approx(np.log((1 - eps + eps / 3) / (eps / 3)))
    assert exercise(report, "true-class-target").answer == pytest.approx(1 - 2 * eps / 3)


def test_label_smoothing_table_columns_agree():
    t = table(run("label smoothing", 2), "confidence - accuracy")
    for conf, acc, gap in zip(
        column(t, "mean confidence"), column(t, "accuracy"), column(t, "confidence - accuracy"), strict=True
    ):
        assert gap == pytest.approx(conf - acc)
    assert 0 < column(t, "accuracy")[1] < 1


# -- mixup ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed, knobs", [(0, {}), (3, {"alpha": 1.5})])
def test_mixup_mixes_inputs_and_targets_with_one_lam(seed, knobs):
    report = run("mixup", seed, **knobs)
    e = exercise(report, "mixed-target")
    lam = e.given["lam"]
    x1, x2 = (np.array(tensor(report, n).values) for n in ("x1", "x2"))
    np.testing.assert_allclose(tensor(report, "mixed x").values, lam * x1 + (1 - lam) * x2, atol=1e-5)
    want = np.zeros(3)
    want[e.given["y1"]] += lam
    want[e.given["y2"]] += 1 - lam
    np.testing.assert_allclose(tensor(report, "mixed target t").values, want, atol=1e-6)
    np.testing.assert_allclose(e.answer, want, atol=1e-6)
    shares = column(table(report, "share of draws"), "share of draws")
    assert sum(shares) == pytest.approx(1)
    if knobs.get("alpha", 0.4) < 1:  # U-shaped: the outer bins hold more than the middle one
        assert shares[0] > shares[2] and shares[4] > shares[2]


def test_mixup_calibration_table():
    t = table(run("mixup", 1), "confidence - accuracy")
    for conf, acc, gap in zip(
        column(t, "mean confidence"), column(t, "accuracy"), column(t, "confidence - accuracy"), strict=True
    ):
        assert gap == pytest.approx(conf - acc)


# -- depthwise separable convolution -------------------------------------------------------------


@pytest.mark.parametrize("seed, knobs", [(0, {}), (4, {"c_in": 2, "c_out": 5, "kernel": 5})])
def test_depthwise_separable_by_numpy_and_counts(seed, knobs):
    report = run("depthwise separable convolution", seed, **knobs)
    C_in, C_out, k = knobs.get("c_in", 4), knobs.get("c_out", 8), knobs.get("kernel", 3)
    x = np.array(tensor(report, "input (N, C_in, H, W), channel 0").values)
    w = np.array(tensor(report, "depthwise kernel of channel 0").values)
    depth = numpy_conv(x[None, None], w[None, None], 1, 0, 1, 1)[0, 0]  # channel 0 alone
    np.testing.assert_allclose(
        tensor(report, "depthwise output, channel 0 (depends on input channel 0 only)").values,
        depth,
        atol=1e-12,
    )
    assert exercise(report, "separable-weights").answer == C_in * k * k + C_in * C_out
    assert exercise(report, "ratio").answer == pytest.approx(
        (C_in * k * k + C_in * C_out) / (C_in * C_out * k * k)
    )
    t = table(report, "separable weights")
    assert column(t, "standard weights")[0] == C_in * C_out * k * k
    assert column(t, "ratio")[1] == pytest.approx(1 / 256 + 1 / 9)


# -- data augmentation ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed, knobs", [(0, {}), (2, {"per_class": 5, "noise": 0.2})])
def test_data_augmentation_copies_and_sizes(seed, knobs):
    report = run("data augmentation", seed, **knobs)
    img = np.array(tensor(report, "an image of class 0").values)
    np.testing.assert_array_equal(
        tensor(report, "shifted by (1, -1)").values, np.roll(img, (1, -1), axis=(0, 1))
    )
    n = 2 * knobs.get("per_class", 3)
    assert column(table(report, "held-out accuracy"), "images") == [n, 9 * n]
    assert exercise(report, "augmented-size").answer == 9 * n


# == channel and feature map (c13-vision2) =======================================================

# -- channel -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed, knobs", [(0, {}), (4, {"out_channels": 2, "kernel": 2, "size": 9})])
def test_channel_output_is_the_sum_over_input_channels(seed, knobs):
    report = run("channel", seed, **knobs)
    k, size = knobs.get("kernel", 3), knobs.get("size", 6)
    x = np.stack(
        [
            np.array(tensor(report, f"x[0, {c}], the {n} channel").values)
            for c, n in enumerate(["red", "green", "blue"])
        ]
    )
    w0 = np.array(tensor(report, "kernel w[0] (C_in, k, k)").values)  # (3, k, k)
    p = k // 2
    parts = numpy_conv(x[None], w0[:, None], 1, p, 1, 3)[0]  # groups=3: each input channel alone
    i = parts.shape[1] // 2  # the demo reads the middle pixel
    t = table(report, "from red")
    first = t.rows[0]
    np.testing.assert_allclose(first[1:4], parts[:, i, i], atol=1e-10)
    assert first[5] == pytest.approx(sum(first[1:5]))  # sum = parts + bias
    assert first[6] == pytest.approx(first[5])
    assert len(t.rows) == knobs.get("out_channels", 4)
    assert parts.shape[1] == size + 2 * p - k + 1


def test_channel_colours_and_strides():
    report = run("channel", 0)
    t = table(report, "colour (R, G, B)")
    for colour, grey, opponent in zip(
        column(t, "colour (R, G, B)"),
        column(t, "grey (mean)"),
        column(t, "red - blue (1x1 conv)"),
        strict=True,
    ):
        assert grey == pytest.approx(np.mean(colour))
        assert opponent == pytest.approx(colour[0] - colour[2])
    assert column(t, "grey (mean)")[0] == pytest.approx(column(t, "grey (mean)")[1])  # equally bright
    ex = exercise(report, "channels-last-strides")
    N, C, H, W = ex.given["shape (N, C, H, W)"]
    nhwc = np.empty((N, H, W, C)).transpose(0, 3, 1, 2)  # NHWC memory seen as (N, C, H, W)
    assert list(ex.answer) == [s // nhwc.itemsize for s in nhwc.strides]
    layouts = table(report, ".stride()")
    nchw = np.empty((N, C, H, W))
    assert list(column(layouts, ".stride()")[0]) == [s // nchw.itemsize for s in nchw.strides]


@pytest.mark.parametrize("knobs", [{}, {"out_channels": 3, "kernel": 5}])
def test_channel_stack_parameters(knobs):
    ex = exercise(run("channel", 0, **knobs), "stack-parameters")
    widths, k = ex.given["channels along the stack"], ex.given["kernel_size"]
    c_in, c_out = widths[2], widths[3]
    weights = np.zeros((c_out, c_in, k, k)).size
    assert widths[0] == 3 and widths[1] == knobs.get("out_channels", 4)
    assert ex.answer == weights + c_out


# -- feature map ---------------------------------------------------------------------------------


def heatmap(report, title):
    found = [h for s in report.sections for h in s.items if isinstance(h, Heatmap) and h.title == title]
    assert len(found) == 1, f"no single heatmap {title!r}"
    return np.array(found[0].values)


@pytest.mark.parametrize("seed, size", [(0, 10), (3, 7), (1, 13)])
def test_feature_map_of_an_edge_kernel_and_its_sparsity(seed, size):
    report = run("feature map", seed, size=size)
    img = heatmap(report, "the image: a bright square")
    sobel = np.array(tensor(report, "Sobel-x kernel").values)
    edge = numpy_conv(img[None, None], np.stack([sobel, sobel.T])[:, None], 1, 0, 1, 1)[0]
    np.testing.assert_allclose(
        heatmap(report, "feature map of Sobel-x (valid, stride 1)"), edge[0], atol=1e-12
    )
    np.testing.assert_allclose(
        tensor(report, "feature map of Sobel-y (its transpose)").values, edge[1], atol=1e-12
    )
    assert edge.shape[1:] == (size - 2, size - 2)
    on_square = column(table(report, "nonzero"), "nonzero")[:2]
    assert on_square == [int((edge[0] > 0).sum()), int((edge[1] > 0).sum())]
    side = int(round(np.sqrt(img.sum())))  # the square is side x side ones
    assert exercise(report, "active-after-relu").answer == on_square[0] == 2 * (side + 2)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2), (2, 0)])
def test_feature_map_size(stride, padding):
    ex = exercise(run("feature map", 0, stride=stride, padding=padding), "map-shape")
    H = ex.given["image"][0]
    want = numpy_conv(np.zeros((1, 1, H, H)), np.zeros((1, 1, 3, 3)), stride, padding, 1, 1).shape[2:]
    assert tuple(ex.answer) == want


@pytest.mark.parametrize(
    "seed, knobs", [(0, {}), (2, {"dy": 5, "dx": 1, "size": 9}), (4, {"dy": 0, "dx": 7})]
)
def test_feature_map_peak_follows_the_pattern(seed, knobs):
    report = run("feature map", seed, **knobs)
    ex = exercise(report, "peak-after-shift")
    (py, px), (dy, dx), (P, _) = ex.given["peak before"], ex.given["shift"], ex.given["image"]
    assert (dy, dx) == (knobs.get("dy", 2), knobs.get("dx", 3))
    assert P % 2 == 0
    assert tuple(ex.answer) == ((py + dy) % P, (px + dx) % P)
    m = heatmap(report, "the plus kernel's map of the noisy image, after ReLU (rounded)")
    assert np.unravel_index(m.argmax(), m.shape) == (py, px)
    t = table(report, "peak before")
    assert list(column(t, "peak after")[0]) == list(ex.answer)
    assert column(t, "max |map(shift x) - shift(map x)|")[1] > 0  # zero padding: the border differs
    assert column(t, "max |map(shift x) - shift(map x)|")[3] > 0  # stride 2, odd shift
