"""Convolutional layer: C_out kernels over C_in channels, its output size, and its parameters."""

from __future__ import annotations

from mlterms.demos.hand.conv import conv2d, out_size
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A convolutional layer is a layer of learned kernels, each slid over the whole input and "
    "producing one output channel; nn.Conv2d checked by unfold + matmul, with its output-size formula.",
    params=[
        Param("kernel", "int", 3, "k, kernel height and width", min=1, max=5),
        Param("stride", "int", 1, "s, step between windows", min=1, max=3),
        Param("padding", "int", 1, "p, zeros added on each side", min=0, max=2),
        Param("size", "int", 5, "H = W of the input", min=5, max=9),
    ],
)
def run(r: Report, *, kernel: int, stride: int, padding: int, size: int) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    N, C_in, C_out, k = 2, 3, 4, kernel
    conv = nn.Conv2d(C_in, C_out, kernel_size=k, stride=stride, padding=padding).double()
    x = torch.randn(N, C_in, size, size, dtype=torch.float64)  # (N, C, H, W)
    H_out = out_size(size, k, stride, padding)

    s = r.section("nn.Conv2d as unfold + one matrix multiply")
    s.note(
        f"F.unfold cuts every {k}x{k} window of all {C_in} input channels into a column of "
        f"C_in*k*k = {C_in * k * k} numbers. Each output channel has one kernel of shape (C_in, k, k): "
        "its output at a position is a dot product with that position's column, plus a bias."
    )
    assert conv.bias is not None  # nn.Conv2d has a bias unless built with bias=False
    with torch.no_grad():
        cols = F.unfold(x, kernel_size=k, stride=stride, padding=padding)  # (N, C_in*k*k, H_out*W_out)
        w = conv.weight.view(C_out, -1)  # (C_out, C_in*k*k)
        out = (w @ cols + conv.bias[:, None]).view(N, C_out, H_out, H_out)  # (N, C_out, H_out, W_out)
        ref = conv(x)
        by_channel = sum(conv2d(x[0, c], conv.weight[0, c], stride, padding) for c in range(C_in))
        by_channel = by_channel + conv.bias[0]  # (H_out, W_out)
    s.table(
        ["tensor", "shape"],
        [
            ["x (N, C_in, H, W)", str(tuple(x.shape))],
            ["weight (C_out, C_in, kH, kW)", str(tuple(conv.weight.shape))],
            ["unfolded windows (N, C_in*k*k, positions)", str(tuple(cols.shape))],
            ["output (N, C_out, H_out, W_out)", str(tuple(out.shape))],
        ],
    )
    s.tensor("output channel 0 of example 0", out[0, 0])
    r.check_close("unfold @ weights + bias == nn.Conv2d", out, ref, atol=1e-12)
    s.note("So one output channel = the sum over input channels of one 2-D sliding window each, plus a bias.")
    r.check_close(
        "sum of per-channel sliding windows + bias == output channel 0", by_channel, ref[0, 0], 1e-12
    )
    r.exercise(
        "output-shape",
        "What is the output shape (N, C_out, H_out, W_out) of this layer on this input?",
        tuple(ref.shape),
        given={
            "input (N, C_in, H, W)": list(x.shape),
            "layer": f"nn.Conv2d({C_in}, {C_out}, kernel_size={k}, stride={stride}, padding={padding})",
        },
    )
    output_size(r, k, stride, padding, size)
    parameters(r, conv, C_in, C_out, k)


def output_size(r: Report, k: int, stride: int, padding: int, size: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("output size: floor((H + 2p - k) / s) + 1")
    settings = [(3, 1, 0, 7), (3, 1, 1, 7), (3, 2, 1, 7), (3, 2, 1, 8), (5, 2, 0, 7), (2, 2, 0, 7)]
    settings.append((k, stride, padding, size))  # the knobs' own setting, last
    rows, got, want = [], [], []
    for kk, st, p, h in settings:
        actual = F.conv2d(torch.zeros(1, 1, h, h), torch.zeros(1, 1, kk, kk), stride=st, padding=p).shape[-1]
        formula = out_size(h, kk, st, p)
        rows.append([h, kk, st, p, f"floor(({h} + {2 * p} - {kk}) / {st}) + 1", formula, actual])
        got.append(actual)
        want.append(formula)
    s.table(["H", "k", "stride", "padding", "formula", "= H_out", "F.conv2d gives"], rows)
    s.note(
        "Padding 1 with a 3x3 kernel keeps the size ('same'). Stride 2 gives about H/2, not exactly: "
        "with k=3, p=1 a 7x7 input gives 4x4 (7/2 rounded up) and an 8x8 input 4x4. The floor is of "
        "(H + 2p - k) / s, not of H / s."
    )
    r.check_equal("F.conv2d output sizes == the formula", got, want, kind="reference")


def parameters(r: Report, conv, C_in: int, C_out: int, k: int) -> None:
    from torch import nn

    s = r.section("parameters: one kernel per output channel, whatever the image size")
    n_conv = sum(p.numel() for p in conv.parameters())
    s.table(
        ["layer", "formula", "parameters"],
        [
            [
                f"Conv2d({C_in}, {C_out}, {k})",
                f"C_out*C_in*k*k + C_out = {C_out}*{C_in}*{k}*{k} + {C_out}",
                n_conv,
            ],
            ["Conv2d(64, 128, 3), the glossary's example", "128*64*3*3 + 128", 128 * 64 * 9 + 128],
            [
                "Linear(32*32*64, 32*32*128), the same map dense",
                "in*out (weights only)",
                (32 * 32) ** 2 * 64 * 128,
            ],
        ],
    )
    s.note(
        "The conv's count does not depend on H and W: the same kernels slide over any image. A dense "
        "layer between the same feature maps needs about 8.6 billion weights."
    )
    r.check_equal(
        "nn.Conv2d's parameter count == C_out*C_in*k*k + C_out",
        n_conv,
        C_out * C_in * k * k + C_out,
        kind="reference",
    )
    r.exercise(
        "parameters",
        "How many parameters (weights and biases) does this layer have?",
        sum(p.numel() for p in nn.Conv2d(C_in + 2, 2 * C_out, k).parameters()),
        given={"layer": f"nn.Conv2d({C_in + 2}, {2 * C_out}, kernel_size={k})"},
    )
