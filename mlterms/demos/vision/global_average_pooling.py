"""Global average pooling: each feature map becomes its mean, whatever its size or where things are."""

from __future__ import annotations

from mlterms.demos.hand.vision import conv2d_nchw
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

CLASSES = 10  # the classifier head of the parameter comparison


@demo(
    summary="Global average pooling replaces each feature map (C, H, W) by its mean, one number per "
    "channel: a (N, C) vector for the classifier, whatever H and W are; by hand, against "
    "F.adaptive_avg_pool2d.",
    params=[
        Param("size", "int", 6, "H = W of the feature maps", min=2, max=12),
        Param("channels", "int", 3, "C, the number of feature maps", min=1, max=8),
    ],
)
def run(r: Report, *, size: int, channels: int) -> None:
    import torch

    x = torch.randn(2, channels, size, size, dtype=torch.float64)  # (N, C, H, W)
    by_hand(r, x)
    invariance(r, channels)
    head(r, channels, size)


def by_hand(r: Report, x) -> None:
    import torch.nn.functional as F

    N, C, H, W = x.shape
    s = r.section("one mean per feature map")
    total = x.new_zeros(N, C)
    for i in range(H):
        for j in range(W):
            total += x[:, :, i, j]  # (N, C): every position added in turn
    gap = total / (H * W)  # (N, C)
    s.note(
        f"gap[n, c] = (1 / HW) sum_ij x[n, c, i, j]: {H}x{W} = {H * W} numbers per map become one. "
        "Global max pooling would keep each map's largest value instead; a pooling layer keeps a "
        "small grid (one number per local window), this keeps one number per channel."
    )
    s.tensor("input x (N, C, H, W), image 0, channel 0", x[0, 0])
    s.tensor("pooled (N, C)", gap)
    r.check_close(
        "mean per map by hand == F.adaptive_avg_pool2d(x, 1)", gap, F.adaptive_avg_pool2d(x, 1)[:, :, 0, 0]
    )
    r.check_close(
        "== F.avg_pool2d with one window as large as the map", gap, F.avg_pool2d(x, (H, W))[:, :, 0, 0]
    )
    r.exercise(
        "pooled-shape",
        "Global average pooling of a batch of this shape: what is the output shape (without the 1x1)?",
        (N, C),
        given={"input (N, C, H, W)": list(x.shape)},
    )


def invariance(r: Report, channels: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("where the pattern is does not matter")
    x = torch.randn(1, 1, 8, 8, dtype=torch.float64)  # (N, C, H, W)
    k = torch.randn(channels, 1, 3, 3, dtype=torch.float64)  # (C_out, C_in, kH, kW)
    dy, dx = 3, 5

    def features(img):  # circular padding, conv by hand, relu, then GAP: (N, C)
        padded = F.pad(img, (1, 1, 1, 1), mode="circular")  # (N, 1, 10, 10): wraps around
        return conv2d_nchw(padded, k).relu().mean(dim=(2, 3))

    moved = torch.roll(x, (dy, dx), dims=(2, 3))
    a, b = features(x), features(moved)
    flat_a, flat_b = x.flatten(), moved.flatten()
    s.note(
        f"A conv layer is equivariant (shift the image, its maps shift too: exact with circular "
        f"padding); a mean over all positions then forgets the positions. Shift ({dy}, {dx}) pixels, "
        "circularly: the pooled features stay, the flattened pixels a dense head would read do not."
    )
    s.tensor("conv -> relu -> GAP features (N, C) of the image", a)
    s.tensor(f"... of the image shifted by ({dy}, {dx})", b)
    s.table(
        ["what the head reads", "max |diff| after the shift"],
        [
            ["conv -> relu -> GAP features", (a - b).abs().max()],
            ["the flattened pixels", (flat_a - flat_b).abs().max()],
        ],
    )
    r.check_close("GAP of the conv maps is unchanged by a circular shift", b, a, atol=1e-12, kind="property")


def head(r: Report, C: int, size: int) -> None:
    import torch

    s = r.section("a classifier head that fits any image size, with few weights")
    W = torch.randn(CLASSES, C, dtype=torch.float64)  # a linear head on the pooled (N, C)
    rows = []
    for H in (size, 2 * size):
        maps = torch.randn(1, C, H, H, dtype=torch.float64)  # (N, C, H, W) from a bigger image
        rows.append(
            [f"{C}x{H}x{H}", list((maps.mean(dim=(2, 3)) @ W.T).shape), C * H * H * CLASSES + CLASSES]
        )
    gap_params = C * CLASSES + CLASSES
    s.table(["feature maps", "GAP head output shape", "flatten head weights"], rows)
    s.note(
        f"GAP + Linear({C}, {CLASSES}) has {gap_params} weights and biases and takes maps of any H x W. "
        f"Flatten + Linear needs C*H*W*{CLASSES} + {CLASSES}, and a new layer for every image size. "
        "This is why many CNNs (ResNet, MobileNet) end in global average pooling."
    )
    r.check_equal(
        "the same GAP head on both sizes gives (N, classes)", rows[1][1], rows[0][1], kind="property"
    )
    r.exercise(
        "head-weights",
        "Weights and biases of Linear(C, classes) after global average pooling, for these maps?",
        gap_params,
        given={"maps (C, H, W)": [C, size, size], "classes": CLASSES},
    )
