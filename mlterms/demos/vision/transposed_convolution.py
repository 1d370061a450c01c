"""Transposed convolution: every input pixel stamps the kernel on a larger output; the adjoint of conv."""

from __future__ import annotations

from mlterms.demos.hand.vision import conv2d_nchw, conv_out, conv_transpose2d_nchw, conv_transpose_out
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A transposed convolution upsamples: each input pixel adds a copy of the kernel, scaled by "
    "the pixel, to the output, `stride` pixels apart; it is the transpose (the backward pass) of a "
    "convolution, not its inverse. By hand, against F.conv_transpose2d.",
    params=[
        Param("stride", "int", 2, "output pixels between two stamps", min=1, max=3),
        Param("kernel", "int", 3, "height and width of the kernel", min=1, max=4),
        Param("padding", "int", 0, "rows and columns cut from each border of the output", min=0, max=1),
        Param("size", "int", 3, "H = W of the input", min=3, max=5),
    ],
)
def run(r: Report, *, stride: int, kernel: int, padding: int, size: int) -> None:
    import torch

    y = torch.randint(-2, 3, (1, 1, size, size)).double()  # (N, C_in, H, W), small integers
    w = torch.randn(1, 1, kernel, kernel, dtype=torch.float64)  # (C_in, C_out, kH, kW)
    stamps(r, y, w, stride, padding)
    adjoint(r, w, stride, padding)
    overlaps(r, stride, kernel)


def stamps(r: Report, y, w, s: int, p: int) -> None:
    import torch.nn.functional as F

    n, k = y.shape[2], w.shape[2]
    sec = r.section("by hand: each input pixel stamps a scaled kernel")
    out = conv_transpose2d_nchw(y, w, s, p)  # (1, 1, H_out, W_out)
    want = conv_transpose_out(n, k, s, p)
    sec.note(
        f"out[i s + a, j s + b] += y[i, j] * w[a, b]: a {k}x{k} stamp per input pixel, {s} pixel(s) "
        f"apart, overlaps added, then {p} row(s) and column(s) cut from each border. Size "
        f"(H - 1) s - 2p + k = ({n} - 1) {s} - {2 * p} + {k} = {want}: it grows where a conv shrinks."
    )
    sec.tensor("input y", y[0, 0])
    sec.tensor("kernel w", w[0, 0])
    sec.tensor(f"output ({want}x{want})", out[0, 0])
    ref = F.conv_transpose2d(y, w, stride=s, padding=p)
    r.check_close("stamps by hand == F.conv_transpose2d", out, ref, atol=1e-12)
    r.check_equal("output size (H - 1) s - 2p + k == its shape", want, ref.shape[2], kind="reference")
    r.exercise(
        "output-size",
        "A transposed convolution with these settings: what is the output height?",
        want,
        given={"input H": n, "kernel": k, "stride": s, "padding": p},
    )


def adjoint(r: Report, w, s: int, p: int) -> None:
    import torch
    import torch.nn.functional as F

    k, H = w.shape[2], 6
    n = conv_out(H, k, s, p)
    op = (H + 2 * p - k) % s  # rows the conv's last window never reached: give them back
    sec = r.section(f"the transpose of a conv: a {H}x{H} -> {n}x{n} conv with the same kernel")
    x = torch.randn(1, 1, H, H, dtype=torch.float64)  # (N, C, H, W), the conv's input
    y = torch.randn(1, 1, n, n, dtype=torch.float64)  # a gradient at the conv's output
    xt = conv_transpose2d_nchw(y, w, s, p, op)  # (1, 1, H, H)
    basis = torch.eye(H * H, dtype=torch.float64).view(H * H, 1, H, H)  # every one-pixel image
    M = F.conv2d(basis, w, stride=s, padding=p).view(H * H, n * n).T  # (n*n, H*H): conv as a matrix
    sec.note(
        "A conv is a linear map x -> Mx. The transposed conv with the same weights computes M^T y: "
        "<conv(x), y> == <x, convT(y)>, and convT(y) is exactly the gradient a conv sends back to its "
        f"input. output_padding = {op} picks the {H}x{H} size, as several sizes conv to {n}x{n}. "
        "It is not an inverse: convT(conv(x)) is not x. The name 'deconvolution' is a misnomer."
    )
    xl = x.clone().requires_grad_()
    (F.conv2d(xl, w, stride=s, padding=p) * y).sum().backward()
    lhs, rhs = float((conv2d_nchw(x, w, s, p) * y).sum()), float((x * xt).sum())
    back = conv_transpose2d_nchw(conv2d_nchw(x, w, s, p), w, s, p, op)
    sec.table(
        ["quantity", "value"],
        [["<conv(x), y>", lhs], ["<x, convT(y)>", rhs], ["max |convT(conv(x)) - x|", (back - x).abs().max()]],
    )
    r.check_close("<conv(x), y> == <x, convT(y)>", lhs, rhs, atol=1e-10, kind="property")
    r.check_close("convT(y) by hand == autograd's d<conv(x), y>/dx", xt, xl.grad, atol=1e-12)
    r.check_close("convT(y) by hand == M^T y (conv as a matrix)", xt.flatten(), M.T @ y.flatten(), atol=1e-12)


def overlaps(r: Report, s: int, k: int) -> None:
    import torch

    sec = r.section("uneven overlap: the checkerboard of a stride that does not divide the kernel")
    ones = torch.ones(1, 1, 4, 4, dtype=torch.float64)
    count = conv_transpose2d_nchw(ones, torch.ones(1, 1, k, k, dtype=torch.float64), s)[0, 0]
    L = count.shape[0]
    per_axis = [sum(1 for j in range(4) if 0 <= i - j * s < k) for i in range(L)]  # stamps over row i
    sec.note(
        f"A 4x4 input of ones, a {k}x{k} kernel of ones, stride {s}: each output pixel counts the stamps "
        "that cover it. When the stride does not divide the kernel, neighbours get different counts "
        "(stripes, and a checkerboard where they cross), a known artifact of upsampling by transposed "
        "convolution; k a multiple of s (or resize, then conv) gives an even interior."
    )
    labels = [str(i) for i in range(L)]
    sec.heatmap("stamps covering each output pixel", count, labels, labels)
    r.check_close(
        "count = (stamps over its row) x (stamps over its column)",
        count,
        torch.tensor(per_axis, dtype=torch.float64).outer(torch.tensor(per_axis, dtype=torch.float64)),
        atol=0,
        kind="property",
    )
    interior = per_axis[k - 1 : L - k + 1] or per_axis
    r.check(
        "the interior is even exactly when the stride divides the kernel",
        (len(set(interior)) == 1) == (k % s == 0),
        f"interior row counts {sorted(set(interior))}, k % s = {k % s}",
        kind="property",
    )
    r.exercise(
        "most-stamps",
        "4x4 input of ones, kernel of ones, this stride: the largest count in the output?",
        max(per_axis) ** 2,
        given={"kernel": k, "stride": s},
    )
