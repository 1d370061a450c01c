"""Depthwise separable convolution: one k x k kernel per channel, then a 1x1 conv to mix channels."""

from __future__ import annotations

from mlterms.demos.hand.conv import conv2d
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A depthwise separable convolution splits a conv in two: a depthwise k x k conv that filters "
    "each channel on its own (groups = C_in), then a pointwise 1x1 conv that mixes channels; by hand, "
    "against F.conv2d(groups=C_in), and its parameter count against a standard conv.",
    params=[
        Param("c_in", "int", 4, "input channels", min=1, max=8),
        Param("c_out", "int", 8, "output channels", min=1, max=16),
        Param("kernel", "int", 3, "height and width of the depthwise kernel", min=1, max=5),
    ],
)
def run(r: Report, *, c_in: int, c_out: int, kernel: int) -> None:
    import torch

    x = torch.randn(1, c_in, 6, 6, dtype=torch.float64)  # (N, C_in, H, W)
    dw = torch.randn(c_in, 1, kernel, kernel, dtype=torch.float64)  # (C_in, 1, k, k): one kernel per channel
    pw = torch.randn(c_out, c_in, 1, 1, dtype=torch.float64)  # (C_out, C_in, 1, 1)
    two_steps(r, x, dw, pw)
    as_one_conv(r, x, dw, pw)
    counts(r, c_in, c_out, kernel)


def two_steps(r: Report, x, dw, pw) -> None:
    import torch
    import torch.nn.functional as F

    C, k = x.shape[1], dw.shape[2]
    s = r.section("depthwise, then pointwise, by hand")
    depth = torch.stack([conv2d(x[0, c], dw[c, 0]) for c in range(C)])[None]  # (1, C_in, H', W')
    point = torch.einsum("oc,nchw->nohw", pw[:, :, 0, 0], depth)  # (1, C_out, H', W'): a matmul per pixel
    s.note(
        f"Depthwise: channel c is slid over by its own {k}x{k} kernel, and by nothing else: {C} maps "
        f"in, {C} maps out, no mixing (F.conv2d with groups = C_in). Pointwise: a 1x1 conv, at every "
        "pixel the same (C_out, C_in) matrix times the vector of channels. A standard conv does both "
        "at once, with a full k x k kernel for every (output, input) channel pair."
    )
    s.tensor("input (N, C_in, H, W), channel 0", x[0, 0])
    s.tensor("depthwise kernel of channel 0", dw[0, 0])
    s.tensor("depthwise output, channel 0 (depends on input channel 0 only)", depth[0, 0])
    s.tensor("pointwise output at pixel (0, 0), all C_out channels", point[0, :, 0, 0])
    r.check_close("depthwise by hand == F.conv2d(groups=C_in)", depth, F.conv2d(x, dw, groups=C), atol=1e-12)
    r.check_close("pointwise by hand == F.conv2d with a 1x1 kernel", point, F.conv2d(depth, pw), atol=1e-12)


def as_one_conv(r: Report, x, dw, pw) -> None:
    import torch.nn.functional as F

    s = r.section("the same as a standard conv with a factored kernel")
    full = pw[:, :, 0, 0, None, None] * dw[None, :, 0]  # (C_out, C_in, k, k): W[o, i] = P[o, i] D[i]
    s.note(
        "Composed, the two steps are one standard conv whose kernel for the pair (o, i) is the "
        "depthwise kernel of i scaled by one number P[o, i]: every pair shares the same spatial shape "
        "up to scale. A standard conv can learn any kernel; this one is a constrained, cheaper subset."
    )
    two = F.conv2d(F.conv2d(x, dw, groups=x.shape[1]), pw)
    r.check_close("pointwise(depthwise(x)) == F.conv2d(x, P[o, i] D[i])", two, F.conv2d(x, full), atol=1e-12)


def counts(r: Report, C_in: int, C_out: int, k: int) -> None:
    from torch import nn

    s = r.section("parameters: C_in k^2 + C_in C_out instead of C_in C_out k^2")
    depthwise = nn.Conv2d(C_in, C_in, k, groups=C_in, bias=False)
    pointwise = nn.Conv2d(C_in, C_out, 1, bias=False)
    standard = nn.Conv2d(C_in, C_out, k, bias=False)
    sep = depthwise.weight.numel() + pointwise.weight.numel()
    std = standard.weight.numel()
    rows = [
        [f"{C_in} -> {C_out}, {k}x{k} (this demo)", std, sep, sep / std],
        [
            "256 -> 256, 3x3 (a MobileNet block)",
            256 * 256 * 9,
            256 * 9 + 256 * 256,
            (256 * 9 + 256 * 256) / (256 * 256 * 9),
        ],
    ]
    s.table(["conv", "standard weights", "separable weights", "ratio"], rows)
    s.note(
        "ratio = (C_in k^2 + C_in C_out) / (C_in C_out k^2) = 1/C_out + 1/k^2: with many output channels "
        "about 1/k^2, eg 1/9 for 3x3. The multiply-adds per output pixel shrink by the same ratio; "
        "MobileNet and Xception are built from such blocks."
    )
    r.check_close(
        "ratio counted from nn.Conv2d weights == 1/C_out + 1/k^2", sep / std, 1 / C_out + 1 / k**2, atol=1e-12
    )
    r.exercise(
        "separable-weights",
        "Weights (no biases) of a depthwise separable conv with these sizes?",
        C_in * k * k + C_in * C_out,
        given={"C_in": C_in, "C_out": C_out, "kernel": k},
    )
    r.exercise(
        "ratio",
        "Its weights as a fraction of a standard conv's with the same sizes?",
        sep / std,
        given={"C_in": C_in, "C_out": C_out, "kernel": k},
        tolerance=1e-3,
    )
