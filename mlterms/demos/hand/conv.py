"""Convolution and pooling by hand: explicit sliding windows over one 2-D channel (H, W)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def out_size(n: int, k: int, s: int = 1, p: int = 0) -> int:
    """Output length along one axis of a convolution or pooling: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def pad2d(x: torch.Tensor, p: int) -> torch.Tensor:
    """Zero padding of p pixels around an image x (H, W) -> (H + 2p, W + 2p)."""
    if p == 0:
        return x
    H, W = x.shape
    out = x.new_zeros(H + 2 * p, W + 2 * p)
    out[p : p + H, p : p + W] = x
    return out


def conv2d(x: torch.Tensor, k: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """What F.conv2d computes (cross-correlation, no kernel flip): out[i, j] = sum(window * k).

    x (H, W), k (kH, kW) -> (H_out, W_out) with H_out = out_size(H, kH, stride, padding).
    """
    x = pad2d(x, padding)
    (H, W), (kH, kW) = x.shape, k.shape
    out = x.new_zeros((H - kH) // stride + 1, (W - kW) // stride + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = x[i * stride : i * stride + kH, j * stride : j * stride + kW]  # (kH, kW)
            out[i, j] = (window * k).sum()
    return out


def convolve2d_full(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """True convolution, (x * k)[i, j] = sum_mn x[m, n] k[i - m, j - n], at every overlap.

    x (H, W), k (kH, kW) -> (H + kH - 1, W + kW - 1): each input pixel stamps a copy of the
    kernel, scaled by the pixel, at its own position (so the kernel appears unflipped).
    """
    (H, W), (kH, kW) = x.shape, k.shape
    out = x.new_zeros(H + kH - 1, W + kW - 1)
    for m in range(H):
        for n in range(W):
            out[m : m + kH, n : n + kW] += x[m, n] * k
    return out


def pool2d(x: torch.Tensor, size: int = 2, op: str = "max") -> torch.Tensor:
    """Non-overlapping size x size pooling (stride = size) of x (H, W) -> (H // size, W // size).

    Each window becomes its max or its mean; rows and columns left over at the edge are dropped,
    as F.max_pool2d does.
    """
    H, W = x.shape
    out = x.new_zeros(H // size, W // size)
    for i in range(H // size):
        for j in range(W // size):
            window = x[i * size : (i + 1) * size, j * size : (j + 1) * size]  # (size, size)
            out[i, j] = window.max() if op == "max" else window.mean()
    return out
