"""Dilated convolution: kernel taps spread d pixels apart, a wider view for the same weights."""

from __future__ import annotations

from mlterms.demos.hand.vision import conv2d_nchw, conv_out, receptive_fields, support
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A dilated (atrous) convolution spaces its kernel's taps d pixels apart: a k x k kernel "
    "covers d(k - 1) + 1 pixels with k^2 weights, so stacked layers see far more of the input; by "
    "hand, against F.conv2d(dilation=d).",
    params=[
        Param("dilation", "int", 2, "d: pixels between two taps of the kernel", min=1, max=4),
        Param("kernel", "int", 3, "height and width of the kernel", min=2, max=3),
        Param("size", "int", 9, "H = W of the input", min=9, max=12),
    ],
)
def run(r: Report, *, dilation: int, kernel: int, size: int) -> None:
    import torch

    x = torch.randn(1, 2, size, size, dtype=torch.float64)  # (N, C_in, H, W)
    w = torch.randn(3, 2, kernel, kernel, dtype=torch.float64)  # (C_out, C_in, kH, kW)
    by_hand(r, x, w, dilation)
    holes(r, x, w, dilation)
    stacks(r)


def by_hand(r: Report, x, w, d: int) -> None:
    import torch.nn.functional as F

    H, k = x.shape[2], w.shape[2]
    span = d * (k - 1) + 1
    s = r.section(f"taps {d} pixels apart, by hand")
    out = conv2d_nchw(x, w, dilation=d)  # (1, C_out, H_out, W_out)
    n = conv_out(H, k, dilation=d)
    s.note(
        f"out[i, j] = sum_ab w[a, b] x[i + {d}a, j + {d}b]: the {k}x{k} kernel reads a {span}x{span} "
        f"patch, skipping {d - 1} pixel(s) between taps. Output size floor((H + 2p - d(k - 1) - 1) / s) "
        f"+ 1 = {H} - {span} + 1 = {n} here (no padding, stride 1); dilation 1 is the ordinary conv."
    )
    s.tensor("input channel 0", x[0, 0])
    s.tensor("output channel 0", out[0, 0])
    r.check_close("taps by hand == F.conv2d(dilation=d)", out, F.conv2d(x, w, dilation=d), atol=1e-12)
    r.check_equal("output size by formula == the output's", n, out.shape[2], kind="reference")
    r.exercise(
        "span",
        "How many pixels wide is the patch a dilated kernel reads?",
        span,
        given={"kernel": k, "dilation": d},
    )


def holes(r: Report, x, w, d: int) -> None:
    import torch.nn.functional as F

    k = w.shape[2]
    span = d * (k - 1) + 1
    s = r.section("the same as an ordinary conv with zeros inserted in the kernel")
    sparse = w.new_zeros(*w.shape[:2], span, span)  # (C_out, C_in, span, span)
    sparse[:, :, ::d, ::d] = w
    s.note(
        f"Spread the {k}x{k} weights over a {span}x{span} grid, zeros between them: an ordinary conv "
        "with that kernel gives the same output. The zeros are not parameters: the receptive field "
        f"grows from {k}x{k} to {span}x{span} with {k * k} weights per channel pair instead of "
        f"{span * span}, and no pooling or stride shrinks the map."
    )
    s.tensor("kernel (out 0, in 0) with its zeros", sparse[0, 0])
    r.check_close(
        "dilated conv == ordinary conv with the zero-inserted kernel",
        conv2d_nchw(x, w, dilation=d),
        F.conv2d(x, sparse),
        atol=1e-12,
    )
    s.table(
        ["kernel", "covers", "weights per (out, in) pair"],
        [
            [f"{k}x{k}, dilation {d}", f"{span}x{span}", k * k],
            [f"{span}x{span}, dense", f"{span}x{span}", span**2],
        ],
    )


def stacks(r: Report) -> None:
    import torch

    s = r.section("three 3x3 layers: dilations 1, 2, 4 see 15x15; 2, 2, 2 leave holes")
    x = torch.zeros(1, 1, 31, 31, dtype=torch.float64, requires_grad=True)  # (N, C, H, W)
    rows: list[list] = []
    grads = {}
    read: dict[tuple[int, ...], tuple[int, int]] = {}  # pixels with a gradient, pixels in the box
    for ds in ((1, 1, 1), (1, 2, 4), (2, 2, 2)):
        h = x
        for d in ds:
            kernel = torch.rand(1, 1, 3, 3, dtype=torch.float64) + 0.1  # positive: no cancellation
            h = conv2d_nchw(h, kernel, padding=d, dilation=d)  # 'same' size
        (g,) = torch.autograd.grad(h[0, 0, 15, 15], x)  # which input pixels the centre output reads
        g = g[0, 0]
        grads[ds] = g
        hgt, wid = support(g)
        rf = receptive_fields([(3, 1, d) for d in ds])[-1]
        read[ds] = int((g != 0).sum()), hgt * wid
        rows.append([str(ds), rf, f"{hgt}x{wid}", *read[ds]])
    s.table(
        ["dilations", "receptive field by formula", "measured (gradient support)", "pixels read", "of"], rows
    )
    s.note(
        "r = 1 + sum_l d_l (k - 1): doubling the dilation each layer doubles the receptive field each "
        "layer (WaveNet, DeepLab), where undilated layers add only k - 1. Measured: the input pixels "
        "with a nonzero gradient of one output pixel. With the same dilation everywhere the layers "
        "never read pixels at odd offsets: the 'gridding' artifact; growing dilations fill the holes."
    )
    centre = grads[(2, 2, 2)][9:22, 9:22]  # the 13x13 field around the centre pixel
    s.tensor("(2, 2, 2): input pixels that reach the centre output (1) or not (0)", (centre != 0).int())
    for row in rows:
        r.check_equal(
            f"{row[0]}: receptive field == gradient support", row[2], f"{row[1]}x{row[1]}", kind="reference"
        )
    r.check(
        "1, 2, 4 reads every pixel of its field; 2, 2, 2 fewer than half",
        read[1, 2, 4][0] == read[1, 2, 4][1] and read[2, 2, 2][0] < read[2, 2, 2][1] / 2,
        "{} of {}; {} of {}".format(*read[1, 2, 4], *read[2, 2, 2]),
        kind="property",
    )
    r.exercise(
        "stack-field",
        "Three 3x3 layers with dilations 1, 2, 4 (stride 1): how wide is the receptive field?",
        rows[1][1],
        given={"kernels": [3, 3, 3], "dilations": [1, 2, 4]},
    )
