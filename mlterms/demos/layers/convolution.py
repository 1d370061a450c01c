"""Convolution: a kernel slid over an image, the blur it can be, the flip, and its gradient."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.hand.conv import conv2d, convolve2d_full
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def gaussian_kernel(size: int = 3, sigma: float = 1.0) -> torch.Tensor:
    """A size x size Gaussian blur kernel, normalised to sum to 1 (so blurring keeps brightness)."""
    import torch

    t = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


def conv_as_matrix(k: torch.Tensor, H: int, W: int) -> torch.Tensor:
    """The dense matrix (H_out*W_out, H*W) of a valid, stride-1 conv2d of an (H, W) image with k."""
    kH, kW = k.shape
    H_out, W_out = H - kH + 1, W - kW + 1
    M = k.new_zeros(H_out * W_out, H * W)
    for i in range(H_out):
        for j in range(W_out):
            for a in range(kH):
                for b in range(kW):
                    M[i * W_out + j, (i + a) * W + (j + b)] = k[a, b]
    return M


@demo(
    summary="A convolution slides a small kernel over the input and, at each position, sums the "
    "elementwise products into a feature map; by hand, against F.conv2d, and backwards.",
    params=[
        Param("size", "int", 5, "height and width of the image", min=3, max=8),
        Param("kernel", "int", 3, "height and width of the kernel", min=1, max=3),
    ],
)
def run(r: Report, *, size: int, kernel: int) -> None:
    import torch

    x = torch.randn(size, size, dtype=torch.float64)  # (H, W) a one-channel image
    k = torch.randn(kernel, kernel, dtype=torch.float64)  # (kH, kW)
    sliding_window(r, x, k)
    blur(r)
    flip(r, x, k)
    backward(r, x, k)
    weights(r, x, k)


def sliding_window(r: Report, x, k) -> None:
    import torch.nn.functional as F

    H, kH = x.shape[0], k.shape[0]
    n = H - kH + 1
    s = r.section("sliding window by hand")
    s.note(
        f"Put the {kH}x{kH} kernel on each {kH}x{kH} window of the image, multiply elementwise and add: "
        f"one number per position. {H}x{H} input, no padding, stride 1 -> {n}x{n} output."
    )
    s.tensor("input x", x)
    s.tensor("kernel k", k)
    rows = [
        [f"({i}, {j})", (x[i : i + kH, j : j + kH] * k).sum()] for i in range(min(n, 2)) for j in range(n)
    ]
    s.table(["window at (row, col)", "sum(window * k)"], rows, title="the first rows of windows")
    out = conv2d(x, k)
    s.tensor("output (feature map)", out)
    ref = F.conv2d(x[None, None], k[None, None])[0, 0]  # (N, C, H, W) in, (C_out, C_in, kH, kW) kernel
    r.check_close("sliding window by hand == F.conv2d", out, ref, atol=1e-12)
    r.exercise(
        "valid-shape",
        "A valid (no padding, stride 1) convolution of this image with this kernel: what output shape?",
        (n, n),
        given={"image shape": [H, H], "kernel shape": [kH, kH]},
    )
    r.exercise(
        "top-left",
        "What is the output at (0, 0): the sum of the window times the kernel?",
        out[0, 0],
        given={"top-left window": x[:kH, :kH], "kernel": k},
        tolerance=1e-3,
    )


def blur(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("kind of like gaussian blur? yes: blurring IS a convolution")
    g = gaussian_kernel(3, sigma=1.0)
    dot = torch.zeros(5, 5, dtype=torch.float64)
    dot[2, 2] = 1.0  # one bright pixel
    blurred = conv2d(dot, g, padding=1)
    s.note(
        "The glossary: a Gaussian blur is a convolution with a fixed Gaussian kernel (weights "
        "exp(-d^2 / 2 sigma^2), summing to 1); a conv layer learns its kernels instead. One bright "
        "pixel is spread out into the shape of the kernel."
    )
    s.tensor("Gaussian kernel (sigma = 1)", g)
    s.tensor("blurred bright pixel (padding 1 keeps 5x5)", blurred)
    want = F.conv2d(dot[None, None], g[None, None], padding=1)[0, 0]
    r.check_close("blur by hand == F.conv2d", blurred, want, atol=1e-12)
    r.check_close(
        "brightness kept (the kernel sums to 1)", blurred.sum(), dot.sum(), atol=1e-12, kind="property"
    )


def flip(r: Report, x, k) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("PyTorch's conv is cross-correlation: the kernel is not flipped")
    s.note(
        "Convolution in mathematics: (x * k)[i] = sum_m x[m] k[i - m], the kernel flipped and shifted. "
        "F.conv2d skips the flip: it computes cross-correlation. The glossary: since the kernel is "
        "learned it makes no difference (it would learn the flipped weights); for a fixed one it does."
    )
    dot = torch.zeros(5, 5, dtype=torch.float64)
    dot[2, 2] = 1.0
    k9 = torch.arange(1.0, 10.0, dtype=torch.float64).view(3, 3)  # asymmetric, so a flip is visible
    xcorr = F.conv2d(dot[None, None], k9[None, None], padding=1)[0, 0]
    true = convolve2d_full(dot, k9)  # (7, 7): every overlap
    s.tensor("kernel 1..9", k9)
    s.tensor("F.conv2d of the bright pixel (the kernel comes out flipped)", xcorr)
    s.tensor("true convolution of the bright pixel (the kernel comes out as is)", true[1:6, 1:6])
    kH = k.shape[0]
    full = F.conv2d(x[None, None], k.flip(0, 1)[None, None], padding=kH - 1)[0, 0]
    r.check_close("true convolution by hand == F.conv2d with the flipped kernel", convolve2d_full(x, k), full)


def backward(r: Report, x, k) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the gradient: backward through a conv is a conv with the flipped kernel")
    xl, kl = x.clone().requires_grad_(), k.clone().requires_grad_()
    out = F.conv2d(xl[None, None], kl[None, None])[0, 0]  # (H_out, W_out)
    g = torch.randn_like(out)  # d loss / d out, whatever the loss
    (out * g).sum().backward()
    kH = k.shape[0]
    dx = conv2d(g, k.flip(0, 1), padding=kH - 1)  # (H, W): a full conv of g with the flipped kernel
    dk = conv2d(x, g)  # (kH, kW): d out[i, j] / d k[a, b] = x[i + a, j + b]
    s.note(
        "Each input pixel x[m, n] touched the outputs whose windows covered it, with weight k[m - i, "
        "n - j]. Summing g over those outputs is a full (padded) sliding window of g with the kernel "
        "flipped: conv_transpose2d(g, k). The kernel's gradient slides g over the input."
    )
    s.tensor("d loss / d out (upstream gradient g)", g)
    s.tensor("d loss / d x by hand: conv2d(g, flip(k), padding k-1)", dx)
    r.check_close("d x by hand == autograd", dx, xl.grad, atol=1e-10)
    r.check_close(
        "d x by hand == F.conv_transpose2d(g, k)",
        dx,
        F.conv_transpose2d(g[None, None], k[None, None])[0, 0],
        atol=1e-10,
    )
    r.check_close("d k by hand: conv2d(x, g) == autograd", dk, kl.grad, atol=1e-10)


def weights(r: Report, x, k) -> None:
    import torch.nn.functional as F

    s = r.section("fewer weights than a dense layer")
    H, kH = x.shape[0], k.shape[0]
    n = H - kH + 1
    M = conv_as_matrix(k, H, H)  # (n*n, H*H)
    s.note(
        f"The same {H}x{H} -> {n}x{n} map as a dense layer is a {n * n} x {H * H} matrix. The conv is "
        f"that matrix with most entries forced to 0 (each output sees only its window) and the rest tied "
        f"to the same {kH * kH} kernel values (weight sharing). Its transpose is the backward pass above."
    )
    s.tensor("row of that matrix for output (0, 0), as an image", M[0].view(H, H))
    ref = F.conv2d(x[None, None], k[None, None])[0, 0]
    r.check_close("matrix @ flattened image == F.conv2d", (M @ x.flatten()).view(n, n), ref, atol=1e-12)
    s.table(
        ["map", "conv weights", "dense weights"],
        [
            [f"1x{H}x{H} -> 1x{n}x{n}, {kH}x{kH} kernel", kH * kH, M.numel()],
            ["3x32x32 -> 16x32x32, 3x3 kernels", 16 * 3 * 3 * 3, (3 * 32 * 32) * (16 * 32 * 32)],
        ],
        title="weights (biases left out)",
    )
