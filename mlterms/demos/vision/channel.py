"""Channel: the C of (N, C, H, W); an output channel sums one kernel over every input channel."""

from __future__ import annotations

from mlterms.demos.hand.vision import conv2d_nchw
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

RGB = ("red", "green", "blue")


@demo(
    summary="A channel is one of the stacked 2-D grids of an (N, C, H, W) tensor: an RGB image has 3, "
    "a conv layer outputs one per kernel, each kernel summed over ALL input channels; by hand per "
    "input channel against F.conv2d, with the parameter count and the channels_last memory layout.",
    params=[
        Param("out_channels", "int", 4, "C_out, kernels of the layer", min=1, max=8),
        Param("kernel", "int", 3, "k, kernel height and width", min=1, max=5),
        Param("size", "int", 6, "H = W of the image", min=5, max=10),
    ],
)
def run(r: Report, *, out_channels: int, kernel: int, size: int) -> None:
    x = colour_image(size)
    colours(r, x)
    per_input_channel(r, x, out_channels, kernel)
    parameters(r, out_channels, kernel)
    memory(r, size)


def colour_image(size: int):
    """(1, 3, H, W): a red square on the left, a blue one on the right, equally bright, on grey."""
    import torch

    x = torch.full((1, 3, size, size), 0.2, dtype=torch.float64)  # (N, C, H, W): grey background
    h = size // 2
    x[0, :, 1 : h + 1, 0:h] = x.new_tensor([0.9, 0.1, 0.1]).view(3, 1, 1)  # the red square
    x[0, :, 1 : h + 1, size - h :] = x.new_tensor([0.1, 0.1, 0.9]).view(3, 1, 1)  # the blue square
    return x


def colours(r: Report, x) -> None:
    import torch.nn.functional as F

    s = r.section("an RGB image: 3 channels of (H, W) each")
    N, C, H, W = x.shape
    for c, name in enumerate(RGB):
        s.tensor(f"x[0, {c}], the {name} channel", x[0, c])
    s.note(
        f"x has shape (N, C, H, W) = {tuple(x.shape)}: channel c is the (H, W) grid x[n, c], and one "
        "pixel is the C-vector x[n, :, i, j], its colour. Both squares are equally bright: their grey "
        "value (the mean over the channels) is the same, so no kernel on the grey image can tell "
        "them apart. A 1x1 kernel over the 3 channels (+1 red, 0 green, -1 blue) can."
    )
    grey = x.mean(dim=1, keepdim=True)  # (N, 1, H, W)
    opponent = x.new_tensor([1.0, 0.0, -1.0]).view(1, 3, 1, 1)  # (C_out, C_in, 1, 1)
    per_pixel = x[0].permute(1, 2, 0) @ opponent.view(3)  # (H, W): each pixel's colour vector . w
    squares = [((1, 0), "red square"), ((1, W - 1), "blue square")]  # a pixel inside each
    by_conv = F.conv2d(x, opponent)[0, 0]  # (H, W)
    s.table(
        ["pixel", "colour (R, G, B)", "grey (mean)", "red - blue (1x1 conv)"],
        [[f"{p} ({name})", x[0, :, p[0], p[1]], grey[0, 0][p], by_conv[p]] for p, name in squares],
    )
    r.check_close(
        "1x1 conv over the channels == each pixel's colour vector . w (F.conv2d)",
        per_pixel,
        by_conv,
        atol=1e-12,
    )


def per_input_channel(r: Report, x, C_out: int, k: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("one output channel = one kernel, summed over ALL input channels")
    C_in = x.shape[1]
    w = torch.randn(C_out, C_in, k, k, dtype=torch.float64)  # (C_out, C_in, kH, kW)
    b = torch.randn(C_out, dtype=torch.float64)
    p = k // 2
    parts = [
        conv2d_nchw(x[:, c : c + 1], w[:, c : c + 1], padding=p) for c in range(C_in)
    ]  # C_in x (N, C_out, H', W')
    out = sum(parts) + b.view(1, C_out, 1, 1)  # (N, C_out, H', W')
    ref = F.conv2d(x, w, b, padding=p)
    i = j = ref.shape[2] // 2
    s.note(
        f"Kernel o has shape (C_in, k, k) = ({C_in}, {k}, {k}): slice w[o, c] slides over input channel c "
        "only, and the C_in 2-D results are added (plus one bias b[o]) into output channel o. So every "
        "output channel sees every input channel; depthwise convolution (groups = C_in) is the "
        f"exception that does not mix. Output at pixel ({i}, {j}), split by the input channel it came from:"
    )
    rows = [
        [
            o,
            *(float(part[0, o, i, j]) for part in parts),
            float(b[o]),
            float(out[0, o, i, j]),
            float(ref[0, o, i, j]),
        ]
        for o in range(C_out)
    ]
    s.tensor("kernel w[0] (C_in, k, k)", w[0])
    s.table(["output channel", "from red", "from green", "from blue", "bias", "sum", "F.conv2d"], rows)
    r.check_close("sum over input channels of 2-D correlations + bias == F.conv2d", out, ref, atol=1e-12)
    r.exercise(
        "output-from-parts",
        "Output channel 0 at one pixel: its kernel slices gave these per-input-channel sums. What is the output?",
        float(ref[0, 0, i, j]),
        given={
            "from red, green, blue": [round(float(q[0, 0, i, j]), 4) for q in parts],
            "bias": round(float(b[0]), 4),
        },
        tolerance=1e-3,
    )


def parameters(r: Report, C_out: int, k: int) -> None:
    from torch import nn

    s = r.section("parameters: C_out * C_in * k * k + C_out, set by the channels")
    widths = [3, C_out, 2 * C_out, 4 * C_out]  # channels along a small stack: RGB in, doubling
    rows, got, want = [], [], []
    for c_in, c_out in zip(widths[:-1], widths[1:], strict=True):
        conv = nn.Conv2d(c_in, c_out, k, device="meta")  # meta: shapes only, no memory, no init
        numel = sum(q.numel() for q in conv.parameters())
        formula = c_out * c_in * k * k + c_out
        rows.append([f"Conv2d({c_in}, {c_out}, {k})", f"{c_out}*{c_in}*{k}*{k} + {c_out}", formula, numel])
        got.append(numel)
        want.append(formula)
    grey = nn.Conv2d(1, C_out, k, device="meta")
    rows.append(
        [
            f"Conv2d(1, {C_out}, {k}), a grey image",
            f"{C_out}*1*{k}*{k} + {C_out}",
            C_out * k * k + C_out,
            sum(q.numel() for q in grey.parameters()),
        ]
    )
    s.table(["layer", "formula", "= parameters", "numel"], rows)
    s.note(
        "Each layer's C_in is the layer before's C_out: the channels chain. Doubling both channel "
        "counts quadruples the weights, while H and W do not enter at all (the kernels slide over any "
        "image); a grey first layer has a third of an RGB one's weights."
    )
    r.check_equal("numel of each Conv2d in the stack == C_out*C_in*k*k + C_out", got, want, kind="reference")
    r.exercise(
        "stack-parameters",
        "Parameters (weights and biases) of the third layer of this stack?",
        want[2],
        given={"channels along the stack": widths, "kernel_size": k},
    )


def memory(r: Report, size: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the same values in two memory layouts: contiguous NCHW and channels_last")
    N, C, H, W = 2, 3, size, size + 1
    x = torch.randn(N, C, H, W, dtype=torch.float64)
    cl = x.to(memory_format=torch.channels_last)  # same shape, same values, NHWC in memory
    want_nchw = (C * H * W, H * W, W, 1)
    want_nhwc = (H * W * C, 1, W * C, C)
    s.table(
        ["layout", ".stride()", "by formula", "is_contiguous()"],
        [
            ["contiguous (NCHW)", x.stride(), want_nchw, x.is_contiguous()],
            ["channels_last (NHWC)", cl.stride(), want_nhwc, cl.is_contiguous()],
        ],
        title=f"x of shape (N, C, H, W) = {tuple(x.shape)}, in both layouts",
    )
    s.note(
        "A stride is how many numbers memory skips for +1 along that axis. NCHW stores channel 0's whole "
        "grid, then channel 1's; channels_last stores each pixel's C channels side by side (stride 1 "
        "along C), which some convolution kernels run faster on. The tensor keeps its (N, C, H, W) "
        "shape and values: only the order in memory changes."
    )
    r.check_equal("x.stride() == (CHW, HW, W, 1)", tuple(x.stride()), want_nchw, kind="reference")
    r.check_equal(
        "channels_last .stride() == (HWC, 1, WC, C)", tuple(cl.stride()), want_nhwc, kind="reference"
    )
    storage = cl.as_strided((cl.numel(),), (1,))  # the numbers in memory order
    r.check_close(
        "channels_last memory == x.permute(0, 2, 3, 1) (NHWC) flattened",
        storage,
        x.permute(0, 2, 3, 1).flatten(),
        atol=0,
        kind="property",
    )
    w = torch.randn(4, C, 3, 3, dtype=torch.float64)
    r.check_close(
        "F.conv2d gives the same output in either layout",
        F.conv2d(cl, w.to(memory_format=torch.channels_last)),
        F.conv2d(x, w),
        atol=1e-12,
        kind="property",
    )
    r.exercise(
        "channels-last-strides",
        "A tensor of this shape in channels_last memory format: what is its .stride()?",
        tuple(want_nhwc),
        given={"shape (N, C, H, W)": [N, C, H, W]},
    )
