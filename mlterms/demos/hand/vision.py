"""Convolutions over batches of channels by hand (NCHW), receptive fields, and a softmax classifier.

The convolutions are written as shift-and-add: one term per kernel tap (a, b), each a strided slice
of the input times that tap's (C_out, C_in) weights, so they never call F.conv2d. The classifier is
full-batch gradient descent with the gradient written out, for demos that train on soft targets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    Mixer = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def conv_out(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution along one axis: floor((n + 2p - d(k - 1) - 1) / s) + 1."""
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def conv_transpose_out(n: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0) -> int:
    """Output length of a transposed convolution along one axis: (n - 1) s - 2p + k + output_padding."""
    return (n - 1) * stride - 2 * padding + k + output_padding


def conv2d_nchw(
    x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1
) -> torch.Tensor:
    """What F.conv2d(x, w, stride=, padding=, dilation=, groups=) computes, bias left out.

    x (N, C_in, H, W), w (C_out, C_in / groups, kH, kW) -> (N, C_out, H_out, W_out). Tap (a, b) of
    the kernel reads the input at (i s + a d, j s + b d): the taps are d pixels apart (dilation).
    Group g's outputs read only group g's input channels."""
    import torch
    import torch.nn.functional as F

    N, C, H, W = x.shape
    C_out, C_g, kH, kW = w.shape
    s, d = stride, dilation
    x = F.pad(x, (padding,) * 4)  # zeros around H and W
    H_out, W_out = conv_out(H, kH, s, padding, d), conv_out(W, kW, s, padding, d)
    xg = x.reshape(N, groups, C_g, *x.shape[2:])  # (N, G, C_in / G, H + 2p, W + 2p)
    wg = w.reshape(groups, C_out // groups, C_g, kH, kW)  # (G, C_out / G, C_in / G, kH, kW)
    out = x.new_zeros(N, groups, C_out // groups, H_out, W_out)
    for a in range(kH):
        for b in range(kW):
            patch = xg[..., a * d : a * d + s * (H_out - 1) + 1 : s, b * d : b * d + s * (W_out - 1) + 1 : s]
            out += torch.einsum("ngcij,goc->ngoij", patch, wg[..., a, b])  # (N, G, C_out / G, H_out, W_out)
    return out.reshape(N, C_out, H_out, W_out)


def conv_transpose2d_nchw(
    y: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0, output_padding: int = 0
) -> torch.Tensor:
    """What F.conv_transpose2d(y, w, stride=, padding=, output_padding=) computes, bias left out.

    y (N, C_in, H, W), w (C_in, C_out, kH, kW) -> (N, C_out, (H - 1) s - 2p + kH + op, ...). Each
    input pixel (i, j) stamps its kernel, scaled by its value, at (i s, j s) of the output;
    overlapping stamps add up. Then p rows and columns are cut from each border, less `op` at the
    bottom and right (several input sizes conv to the same size: op says which one to give back)."""
    import torch

    N, _, H, W = y.shape
    _, C_out, kH, kW = w.shape
    s = stride
    op = output_padding
    out = y.new_zeros(N, C_out, (H - 1) * s + kH + op, (W - 1) * s + kW + op)  # before cutting p
    for a in range(kH):
        for b in range(kW):
            stamp = torch.einsum("ncij,co->noij", y, w[:, :, a, b])  # (N, C_out, H, W)
            out[:, :, a : a + s * (H - 1) + 1 : s, b : b + s * (W - 1) + 1 : s] += stamp
    H_full, W_full = out.shape[2:]
    return out[:, :, padding : H_full - padding, padding : W_full - padding]


def receptive_fields(layers: list[tuple[int, int, int]]) -> list[int]:
    """Receptive field (pixels along one axis) after each layer of (kernel, stride, dilation).

    r_0 = 1; r_l = r_(l-1) + d_l (k_l - 1) J_(l-1), where J = the product of the strides so far
    (the input pixels between two neighbouring outputs of the layer before)."""
    r, jump, out = 1, 1, []
    for k, s, d in layers:
        r += d * (k - 1) * jump
        jump *= s
        out.append(r)
    return out


def support(g: torch.Tensor) -> tuple[int, int]:
    """Height and width of the bounding box of the nonzero entries of a 2-D tensor (0, 0 if none)."""
    import torch

    rows, cols = torch.nonzero(g.abs() > 0, as_tuple=True)
    if len(rows) == 0:
        return 0, 0
    return int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1


def fit_softmax(
    X: torch.Tensor, T: torch.Tensor, steps: int, lr: float, wd: float = 0.0, mix: Mixer | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A linear softmax classifier p = softmax(X W + b), fitted to soft targets T by gradient descent.

    X (N, D), T (N, K) with rows summing to 1. Loss = mean CE(p, T) + wd / 2 ||W||^2; its gradient
    is dW = X^T (p - T) / N + wd W, db = mean(p - T). `mix(X, T)`, if given, returns a new
    (X, T) for each step (mixup). Returns W (D, K), b (K,)."""
    import torch

    W = X.new_zeros(X.shape[1], T.shape[1])
    b = X.new_zeros(T.shape[1])
    for _ in range(steps):
        Xs, Ts = mix(X, T) if mix else (X, T)
        err = torch.softmax(Xs @ W + b, dim=1) - Ts  # (N, K): d loss / d logits, times N
        W -= lr * (Xs.T @ err / len(Xs) + wd * W)
        b -= lr * err.mean(0)
    return W, b


def ece(probs: torch.Tensor, labels: torch.Tensor, bins: int = 10) -> float:
    """Expected calibration error: sum over confidence bins of |accuracy - mean confidence| x share."""
    conf, pred = probs.max(dim=1)  # (N,), (N,)
    right = (pred == labels).double()
    total = 0.0
    for i in range(bins):
        inside = (conf > i / bins) & (conf <= (i + 1) / bins)
        if inside.any():
            total += float(inside.double().mean() * (right[inside].mean() - conf[inside].mean()).abs())
    return total
