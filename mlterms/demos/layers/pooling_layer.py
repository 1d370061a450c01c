"""Pooling layer: max and average of windows, no weights, small shifts, and where the gradient goes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.hand.conv import pool2d
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def max_pool_backward(x: torch.Tensor, g: torch.Tensor, size: int) -> torch.Tensor:
    """d loss / d x of a size x size max pool of x (H, W), given g = d loss / d out (H // size, W // size).

    Each window's gradient goes to the one input that won the max; the others get 0.
    """
    dx = x.new_zeros(x.shape)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            window = x[i * size : (i + 1) * size, j * size : (j + 1) * size]  # (size, size)
            a, b = divmod(int(window.argmax()), size)
            dx[i * size + a, j * size + b] += g[i, j]
    return dx


@demo(
    summary="A pooling layer summarises each small window of a feature map with one number (its max "
    "or its average), channel by channel, with no learned weights; by hand, against F.max_pool2d.",
    params=[
        Param("pool", "int", 2, "window size (and stride)", min=2, max=4),
        Param("size", "int", 6, "H = W of each channel", min=4, max=12),
    ],
)
def run(r: Report, *, pool: int, size: int) -> None:
    import torch
    import torch.nn.functional as F

    x = torch.randn(1, 2, size, size, dtype=torch.float64)  # (N, C, H, W)
    n = size // pool
    s = r.section(f"{pool}x{pool} pooling, stride {pool}, by hand")
    s.note(
        f"Each non-overlapping {pool}x{pool} window becomes one number: its max, or its mean. "
        f"{size}x{size} -> {n}x{n}: floor((H - k) / s) + 1 = floor(H / {pool}), so "
        + (
            f"the last {size % pool} row(s) and column(s) fall in no window."
            if size % pool
            else "no pixel is left over."
        )
    )
    mx = torch.stack([pool2d(x[0, c], pool, "max") for c in range(2)])[None]  # (1, C, n, n)
    av = torch.stack([pool2d(x[0, c], pool, "mean") for c in range(2)])[None]  # (1, C, n, n)
    s.tensor("channel 0", x[0, 0])
    s.tensor("max pooled, channel 0", mx[0, 0])
    s.tensor("average pooled, channel 0", av[0, 0])
    s.table(
        ["", "value"],
        [["shape in (N, C, H, W)", str(tuple(x.shape))], ["shape out", str(tuple(mx.shape))],
         ["learned parameters", 0]],
    )  # fmt: skip
    r.check_close("max pooling by hand == F.max_pool2d", mx, F.max_pool2d(x, pool), atol=0)
    r.check_close("average pooling by hand == F.avg_pool2d", av, F.avg_pool2d(x, pool), atol=1e-12)
    r.exercise(
        "pooled-shape",
        "Max pooling with this window (stride = window): what is the output shape (N, C, H_out, W_out)?",
        tuple(mx.shape),
        given={"input (N, C, H, W)": list(x.shape), "window": pool},
    )
    shifts(r, pool)
    gradient(r, x[0, 0], pool)


def shifts(r: Report, pool: int) -> None:
    import torch

    s = r.section("small shifts: the same output while the feature stays in its window")
    H = 2 * pool
    at_00, inside, across = (torch.zeros(H, H, dtype=torch.float64) for _ in range(3))
    at_00[0, 0] = inside[pool - 1, pool - 1] = across[pool, pool] = 5.0  # one feature, moved
    s.note(
        "Max pooling keeps the strongest response in each window: a feature that moves inside its "
        "window gives the same output; one that crosses into the next window does not. It works on "
        "each channel separately and follows a fixed rule: there is nothing to learn."
    )
    s.tensor("a feature at (0, 0): max pooled", pool2d(at_00, pool))
    s.tensor(f"moved to ({pool - 1}, {pool - 1}), same window: max pooled", pool2d(inside, pool))
    s.tensor(f"moved to ({pool}, {pool}), the next window: max pooled", pool2d(across, pool))
    r.check_close(
        "a shift inside the window leaves the max pool unchanged",
        pool2d(inside, pool),
        pool2d(at_00, pool),
        atol=0,
        kind="property",
    )


def gradient(r: Report, x, pool: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the gradient goes to the winner of each window")
    xl = x.clone().requires_grad_()  # (H, W)
    out = F.max_pool2d(xl[None, None], pool)[0, 0]  # (n, n)
    g = torch.randn_like(out)  # d loss / d out
    (out * g).sum().backward()
    dx = max_pool_backward(x, g, pool)
    s.note(
        "Only the max of a window affects the output, so only it gets a gradient: g for the winner, 0 "
        f"for the other {pool * pool - 1}. Average pooling instead spreads g / {pool * pool} over all of them."
    )
    s.tensor("d loss / d out (upstream gradient g)", g)
    s.tensor("d loss / d x by hand: g at each window's argmax", dx)
    r.check_close("max pool gradient by hand == autograd", dx, xl.grad, atol=0)
    xl.grad = None
    (F.avg_pool2d(xl[None, None], pool)[0, 0] * g).sum().backward()
    n = g.shape[0]
    spread = torch.zeros_like(x)
    spread[: n * pool, : n * pool] = g.repeat_interleave(pool, 0).repeat_interleave(pool, 1) / pool**2
    r.check_close("average pool gradient g / k^2 == autograd", spread, xl.grad, atol=1e-12)
    r.exercise(
        "nonzero-gradients",
        "After max pooling this channel, how many of its input positions get a nonzero gradient?",
        int((dx != 0).sum()),
        given={"channel (H, W)": list(x.shape), "window": pool, "stride": pool},
    )
