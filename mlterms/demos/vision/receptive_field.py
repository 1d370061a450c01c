"""Receptive field: the input pixels one output pixel depends on, by formula and by its gradient."""

from __future__ import annotations

from mlterms.demos.hand.vision import conv2d_nchw, receptive_fields, support
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="The receptive field of a unit is the patch of input pixels it depends on: each k x k "
    "layer adds (k - 1) x (the product of the strides before it); by formula, measured as the "
    "nonzero support of one output pixel's gradient with respect to the input.",
    params=[
        Param("layers", "int", 3, "conv layers stacked", min=1, max=5),
        Param("kernel", "int", 3, "kernel size of every layer", min=2, max=5),
        Param("stride", "int", 1, "stride of every layer", min=1, max=2),
    ],
)
def run(r: Report, *, layers: int, kernel: int, stride: int) -> None:
    growth(r, layers, kernel, stride)
    effective(r, layers, kernel)
    r.exercise(
        "layers-for-11",
        "How many 3x3 conv layers (stride 1, no dilation) does a unit need to see an 11x11 patch?",
        next(n for n in range(1, 20) if receptive_fields([(3, 1, 1)] * n)[-1] >= 11),
        given={"kernel": 3, "stride": 1, "field": 11},
    )


def growth(r: Report, layers: int, k: int, stride: int) -> None:
    import torch

    config = [(k, stride, 1)] * layers  # (kernel, stride, dilation) per layer
    fields = receptive_fields(config)
    size = fields[-1] + 2 * stride ** (layers - 1) + 2  # room for the last layer's first output
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)  # (N, C, H, W)
    s = r.section(f"{layers} layer(s) of {k}x{k}, stride {stride}: the field, layer by layer")
    rows: list[list] = []
    measured: list[str] = []
    h, jump = x, 1
    for layer, r_l in enumerate(fields, start=1):
        h = conv2d_nchw(h, torch.rand(1, 1, k, k, dtype=torch.float64) + 0.1, stride=stride)  # valid conv
        (g,) = torch.autograd.grad(h[0, 0, 0, 0], x, retain_graph=True)  # output pixel (0, 0) of layer
        hgt, wid = support(g[0, 0])
        measured.append(f"{hgt}x{wid}")
        rows.append([layer, jump, r_l, measured[-1]])
        jump *= stride
    s.table(["layer", "jump before it (product of strides)", "field by formula", "measured"], rows)
    s.note(
        "r_l = r_(l-1) + (k - 1) J_(l-1), r_0 = 1: neighbouring outputs of the layer before are J input "
        "pixels apart, so k of them span (k - 1) J more. Stride 1: the field grows by k - 1 per layer "
        "(linearly); stride 2 doubles J each layer, so the field grows geometrically. Measured: the "
        "input pixels where d out[0, 0] / d x is nonzero (kernels positive, so nothing cancels)."
    )
    for layer, (r_l, seen) in enumerate(zip(fields, measured, strict=True), start=1):
        r.check_equal(
            f"layer {layer}: field by formula == gradient support", seen, f"{r_l}x{r_l}", kind="reference"
        )
    r.exercise(
        "field",
        "A stack of conv layers, all with this kernel and stride: how wide is the last layer's field?",
        fields[-1],
        given={"layers": layers, "kernel": k, "stride": stride},
    )


def effective(r: Report, layers: int, k: int) -> None:
    import numpy as np
    import torch

    s = r.section("the effective field: the centre counts most")
    rf = receptive_fields([(k, 1, 1)] * layers)[-1]
    x = torch.zeros(1, 1, rf, rf, dtype=torch.float64, requires_grad=True)
    h = x
    for _ in range(layers):
        h = conv2d_nchw(h, torch.ones(1, 1, k, k, dtype=torch.float64))  # box kernels, valid
    (g,) = torch.autograd.grad(h[0, 0, 0, 0], x)  # (1, 1, rf, rf)
    g = g[0, 0] / g.sum()
    profile = np.polynomial.polynomial.polypow(np.ones(k), layers)  # (1 + z + ... + z^(k-1))^L
    profile = profile / profile.sum()
    quarter = rf // 4
    middle = float(g[quarter : rf - quarter, quarter : rf - quarter].sum())
    s.note(
        f"Every pixel of the {rf}x{rf} field counts, but not equally: with box kernels the gradient is "
        f"the number of paths from each input pixel to the output, the coefficients of (1 + z + ... + "
        f"z^{k - 1})^{layers} in each axis: binomial-like, close to a Gaussian as layers grow. The "
        f"middle {rf - 2 * quarter}x{rf - 2 * quarter} holds {middle:.0%} of the gradient."
    )
    s.plot("share of the gradient along the centre row", list(range(rf)), share=g.sum(dim=0))
    r.check_close(
        "gradient of the box stack == outer product of polynomial coefficients (numpy.polypow)",
        g,
        torch.from_numpy(np.outer(profile, profile)),
        atol=1e-12,
    )
