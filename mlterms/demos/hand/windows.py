"""Sliding windows by hand: padding, a strided 2-D convolution (cross-correlation) and its sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def out_size(n: int, k: int, stride: int = 1, pad: int = 0) -> int:
    """Positions a window of k fits along n inputs padded by `pad` each side: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * pad - k) // stride + 1


def source_index(i: int, n: int, mode: str) -> int | None:
    """Which of n real pixels (0..n-1) a padded position i (may be <0 or >=n) copies; None for zeros.

    reflect mirrors around the edge pixel without repeating it (-1 -> 1); replicate repeats the
    edge (-1 -> 0); circular wraps around (-1 -> n - 1)."""
    if 0 <= i < n:
        return i
    if mode == "zeros":
        return None
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    if mode == "circular":
        return i % n
    return -i if i < 0 else 2 * (n - 1) - i  # reflect, needs the padding smaller than n


def pad_by_hand(x: torch.Tensor, top: int, bottom: int, left: int, right: int, mode: str = "zeros"):
    """An (H, W) image with rows added above/below and columns left/right, filled as `mode` says."""
    H, W = x.shape
    out = x.new_zeros(H + top + bottom, W + left + right)  # (H + top + bottom, W + left + right)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            a, b = source_index(i - top, H, mode), source_index(j - left, W, mode)
            if a is not None and b is not None:
                out[i, j] = x[a, b]
    return out


def conv2d_by_hand(x: torch.Tensor, k: torch.Tensor, stride: int = 1, pad: int = 0, mode: str = "zeros"):
    """Slide kernel k (kH, kW) over image x (H, W), `stride` pixels at a time, after padding `pad`:
    out[i, j] = sum(window(i, j) * k), the window starting at (i * stride, j * stride). No flip."""
    x = pad_by_hand(x, pad, pad, pad, pad, mode)  # (H + 2p, W + 2p)
    (kH, kW), s = k.shape, stride
    out = x.new_zeros(out_size(x.shape[0], kH, s), out_size(x.shape[1], kW, s))  # (H_out, W_out)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i * s : i * s + kH, j * s : j * s + kW] * k).sum()
    return out


def windows(x: torch.Tensor, k: int):
    """Every k x k window of a valid, stride-1 slide over x (H, W), one per row: (H_out * W_out, k * k)."""
    return x.unfold(0, k, 1).unfold(1, k, 1).reshape(-1, k * k)  # (H_out, W_out, k, k) -> rows
