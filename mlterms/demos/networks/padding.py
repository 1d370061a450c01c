"""Padding: 'valid' vs 'same' against F.conv2d, the output size, how often each pixel is seen, and
what zeros vs a reflected border do to the edge of a blurred image."""

from __future__ import annotations

from mlterms.demos.hand.windows import conv2d_by_hand, out_size, pad_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Padding adds values (usually zeros) around the input's border before a convolution: it "
    "lets the kernel cover the edge pixels and sets the output size. 'valid' (no padding) shrinks it by "
    "k - 1; 'same' pads k - 1 in all, (k - 1) / 2 a side for an odd k, and keeps it.",
    params=[
        Param("k", "int", 3, "kernel size (even sizes pad one more on the bottom/right)", min=1, max=7),
        Param("size", "int", 7, "image height and width (at least k)", min=7, max=12),
    ],
)
def run(r: Report, *, k: int, size: int) -> None:
    import torch

    x = torch.randn(size, size, dtype=torch.float64)  # (H, W)
    w = torch.randn(k, k, dtype=torch.float64)  # (k, k)
    valid_vs_same(r, x, w)
    sizes(r, size, k)
    coverage(r, size, k)
    border(r, size, k + 1 - k % 2)


def valid_vs_same(r: Report, x, w) -> None:
    import warnings

    import torch.nn.functional as F

    s = r.section("'valid' vs 'same', by hand and by F.conv2d")
    (H, W), k = x.shape, w.shape[0]
    top, left = (k - 1) // 2, (k - 1) // 2
    bottom, right = k - 1 - top, k - 1 - left  # one more than top/left when k is even
    valid = conv2d_by_hand(x, w)  # (H - k + 1, W - k + 1)
    same = conv2d_by_hand(pad_by_hand(x, top, bottom, left, right), w)  # (H, W)
    with warnings.catch_warnings():  # an even k warns that torch copies a padded input: expected
        warnings.simplefilter("ignore")
        ref_same = F.conv2d(x[None, None], w[None, None], padding="same")[0, 0]
    ref_valid = F.conv2d(x[None, None], w[None, None], padding=0)[0, 0]
    s.table(
        ["padding", "rows (top, bottom)", "cols (left, right)", "output shape"],
        [
            ["'valid' (padding=0)", (0, 0), (0, 0), tuple(valid.shape)],
            ["'same'", (top, bottom), (left, right), tuple(same.shape)],
        ],
        title=f"input {H}x{W}, kernel {k}x{k}",
    )
    s.note(
        "'valid' keeps only the windows that fit inside the image: k - 1 rows and columns fewer. 'same' "
        "pads k - 1 zeros per axis, (k - 1) / 2 a side for odd k; for even k PyTorch puts the extra "
        "one at the bottom and right."
    )
    r.check_close("'valid' by hand == F.conv2d(padding=0)", valid, ref_valid, atol=1e-12)
    r.check_close("'same' by hand (zeros, extra at bottom/right) == F.conv2d(padding='same')", same, ref_same)


def sizes(r: Report, size: int, k: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the output size: H + 2p - k + 1 (stride 1)")
    x = torch.zeros(1, 1, size, size)
    w = torch.zeros(1, 1, k, k)
    rows, got, want = [], [], []
    for p in range(4):
        actual = F.conv2d(x, w, padding=p).shape[-1]
        rows.append([p, f"{size} + 2*{p} - {k} + 1", out_size(size, k, 1, p), actual])
        got.append(actual)
        want.append(out_size(size, k, 1, p))
    s.table(["p", "formula", "H_out", "F.conv2d gives"], rows, title=f"H = {size}, k = {k}")
    r.check_equal("F.conv2d output sizes == H + 2p - k + 1", got, want, kind="reference")
    p = k // 2
    r.exercise(
        "out-size",
        "Stride 1: how many rows does the output have?",
        out_size(size, k, 1, p),
        given={"H": size, "kernel_size": k, "padding (each side)": p},
    )


def coverage(r: Report, size: int, k: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("without padding, the edge pixels are barely seen")
    p = (k - 1) // 2
    rows = []
    for name, pad in (("'valid'", 0), (f"p = {p}", p)):
        x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
        F.conv2d(x, torch.ones(1, 1, k, k, dtype=torch.float64), padding=pad).sum().backward()
        used = x.grad[0, 0]  # type: ignore[index]  # (H, W): how many windows read each pixel
        by_formula = torch.tensor(
            [[windows_over(i, size, k, pad) * windows_over(j, size, k, pad) for j in range(size)]
             for i in range(size)],
            dtype=torch.float64,
        )  # fmt: skip
        r.check_close(f"{name}: windows per pixel by formula == autograd of a ones kernel", by_formula, used)
        rows.append([name, used[0, 0], used[0, size // 2], used[size // 2, size // 2]])
    s.table(["padding", "corner pixel", "edge middle", "centre"], rows, title="windows that read each pixel")
    s.note(
        "The gradient of sum(conv) with a kernel of ones counts, for each input pixel, the windows that "
        f"read it. A centre pixel is read by up to k*k = {k * k} windows; without padding a corner pixel "
        "by one. Padding lets the kernel cover the edge pixels, as the glossary says."
    )


def windows_over(i: int, n: int, k: int, pad: int) -> int:
    """How many stride-1 windows of size k over n pixels padded by `pad` cover pixel i."""
    first = max(0, i + pad - k + 1)  # the windows start at padded positions 0 .. n + 2p - k
    last = min(i + pad, n + 2 * pad - k)
    return max(0, last - first + 1)


def border(r: Report, size: int, k: int) -> None:
    import torch
    from torch import nn

    s = r.section(f"zeros vs reflect at the border: a {k}x{k} box blur of a flat image")
    p = (k - 1) // 2
    flat = torch.ones(size, size, dtype=torch.float64)  # (H, W): a uniformly bright image
    box = torch.full((k, k), 1.0 / (k * k), dtype=torch.float64)  # the mean of each window
    rows = []
    for mode in ("zeros", "reflect"):
        by_hand = conv2d_by_hand(flat, box, pad=p, mode=mode)  # (H, W)
        conv = nn.Conv2d(1, 1, k, padding=p, padding_mode=mode, bias=False).double()
        with torch.no_grad():
            conv.weight.copy_(box)
            ref = conv(flat[None, None])[0, 0]
        r.check_close(f"{mode} padding by hand == nn.Conv2d(padding_mode={mode!r})", by_hand, ref, atol=1e-12)
        rows.append([mode, by_hand[0, 0], by_hand[0, size // 2], by_hand[size // 2, size // 2]])
        if mode == "zeros":
            s.tensor("blurred, zero padding", by_hand)
            corner = float(by_hand[0, 0])
        else:
            r.check_close(
                "reflect padding keeps a flat image flat", by_hand, flat, atol=1e-12, kind="property"
            )
    s.table(["padding", "corner", "edge", "centre"], rows, title="blurred values (the image is all 1)")
    want = (p + 1) ** 2 / k**2  # the corner window holds (p + 1) x (p + 1) real pixels, the rest zeros
    r.check_close("zero-padded corner == (p + 1)^2 / k^2", corner, want, atol=1e-12)
    s.note(
        "Zeros are dark pixels that were never there: the blur darkens the border. Reflect padding "
        "mirrors the image at its edge (without repeating the edge pixel), so a flat image stays flat. "
        + ("" if k == r.params["k"] else f"(An odd kernel, k = {k}, so that p = (k - 1) / 2 is whole.)")
    )
    r.exercise(
        "corner-blur",
        "A flat image of 1s is blurred by a k x k box kernel (each weight 1/k^2) with zero padding "
        "p = (k - 1) / 2: what is the output's corner value?",
        want,
        given={"kernel_size": k, "padding": p},
        tolerance=1e-3,
    )
