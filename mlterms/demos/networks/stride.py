"""Stride: how far the kernel moves between applications; the output size, stride as subsampling of
the stride-1 output, and the input pixels a stride larger than the kernel never reads."""

from __future__ import annotations

from mlterms.demos.hand.windows import conv2d_by_hand, out_size
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Stride is how many positions the kernel moves between applications: stride 1 visits every "
    "position, stride 2 about halves height and width. The output size is floor((H + 2p - k) / s) + 1.",
    params=[
        Param("stride", "int", 2, "s, pixels the kernel moves each step", min=1, max=4),
        Param("k", "int", 3, "kernel size", min=1, max=5),
        Param("padding", "int", 1, "p, zeros added on each side", min=0, max=2),
        Param("size", "int", 7, "image height and width", min=5, max=12),
    ],
)
def run(r: Report, *, stride: int, k: int, padding: int, size: int) -> None:
    import torch

    x = torch.randn(size, size, dtype=torch.float64)  # (H, W)
    w = torch.randn(k, k, dtype=torch.float64)  # (k, k)
    by_hand(r, x, w, stride, padding)
    sizes(r, size, k, padding)
    unread(r, size, k, stride, padding)


def by_hand(r: Report, x, w, s: int, p: int) -> None:
    import torch.nn.functional as F

    sec = r.section(f"stride {s}: the window jumps {s} pixels, by hand and by F.conv2d")
    out = conv2d_by_hand(x, w, stride=s, pad=p)  # (H_out, W_out)
    ref = F.conv2d(x[None, None], w[None, None], stride=s, padding=p)[0, 0]
    dense = F.conv2d(x[None, None], w[None, None], stride=1, padding=p)[0, 0]  # every position
    sec.tensor("every position (stride 1)", dense)
    sec.tensor(f"stride {s} output", out)
    sec.note(
        f"Output (i, j) reads the window starting at ({s}i, {s}j) of the padded image: so the stride-{s} "
        f"output is the stride-1 output at rows and columns 0, {s}, {2 * s}, ...: [::{s}, ::{s}]. A strided "
        f"conv computes about {s * s}x fewer outputs; stride 2 is a common way to downsample (instead "
        "of, or besides, a pooling layer)."
    )
    r.check_close(f"stride {s} by hand == F.conv2d(stride={s}, padding={p})", out, ref, atol=1e-12)
    r.check_close(f"stride-1 output[::{s}, ::{s}] == F.conv2d(stride={s})", dense[::s, ::s], ref, atol=1e-12)
    macs = [[n, out_size(x.shape[0], w.shape[0], n, p) ** 2 * w.numel()] for n in (1, 2, 3, 4)]
    sec.table(["stride", "multiply-adds (H_out * W_out * k * k)"], macs)


def sizes(r: Report, size: int, k: int, p: int) -> None:
    import torch
    import torch.nn.functional as F

    sec = r.section("the output size: floor((H + 2p - k) / s) + 1")
    rows, got, want = [], [], []
    for n in (size, size + 1):
        x = torch.zeros(1, 1, n, n)
        for s in (1, 2, 3, 4):
            actual = F.conv2d(x, torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]
            formula = out_size(n, k, s, p)
            rows.append([n, s, f"floor(({n} + {2 * p} - {k}) / {s}) + 1", formula, actual, n / s])
            got.append(actual)
            want.append(formula)
    sec.table(["H", "s", "formula", "H_out", "F.conv2d gives", "H / s"], rows, title=f"k = {k}, p = {p}")
    sec.note(
        "'About H/s', not exactly: with k = 3, p = 1 and s = 2, H = 7 gives 4 (the windows start at "
        "padded rows 0, 2, 4, 6), which is ceil(7/2). The floor is in the formula; rounding H/s is not."
    )
    r.check_equal("F.conv2d output sizes == floor((H + 2p - k) / s) + 1", got, want, kind="reference")
    r.exercise(
        "out-size",
        "How many rows has the output of this convolution?",
        out_size(size + 1, k, 2, p),
        given={"H": size + 1, "kernel_size": k, "stride": 2, "padding": p},
    )


def unread(r: Report, size: int, k: int, s: int, p: int) -> None:
    sec = r.section("a stride larger than the kernel skips pixels")
    rows = []
    for kk, ss, pp in dict.fromkeys([(k, s, p), (1, 2, 0), (2, 3, 0)]):  # these knobs, then two with gaps
        ids = rows_read(r, size, kk, ss, pp)
        rows.append(
            [f"k={kk}, s={ss}, p={pp}", " ".join(map(str, ids)), len(ids) ** 2, size**2 - len(ids) ** 2]
        )
    sec.table(["conv", "rows read (by hand)", "pixels read", "never read"], rows, title=f"H = W = {size}")
    sec.note(
        "A window reads rows s*i - p .. s*i - p + k - 1; columns alike. The gradient of the output by "
        "each input pixel is 0 exactly where no window reads it. With k < s the windows leave gaps: a 1x1 "
        "conv with stride 2 (as in ResNet's downsampling shortcuts) reads about one pixel in four. See also "
        "`demo padding` and `demo kernel`."
    )
    r.exercise(
        "never-read",
        "How many input pixels does this convolution never read?",
        rows[0][3],
        given={"H = W": size, "kernel_size": k, "stride": s, "padding": p},
    )


def rows_read(r: Report, size: int, k: int, s: int, p: int) -> list[int]:
    """The rows some window reads, by hand, checked against where autograd's gradient is nonzero."""
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, padding=p).sum().backward()
    read_by_autograd = x.grad[0, 0] != 0  # type: ignore[index]  # (H, W): pixels some window reads
    ids = set()
    for i in range(out_size(size, k, s, p)):  # window i covers padded rows s*i .. s*i + k - 1
        ids |= {a - p for a in range(s * i, s * i + k) if 0 <= a - p < size}
    mask = torch.zeros(size, size, dtype=torch.bool)
    for i in ids:  # rows and columns alike
        mask[i, sorted(ids)] = True
    same = bool((mask == read_by_autograd).all())
    r.check(
        f"k={k}, s={s}, p={p}: pixels read by hand == where autograd's gradient is nonzero",
        same,
        f"{int(mask.sum())} by hand, {int(read_by_autograd.sum())} by autograd",
        kind="reference",
    )
    return sorted(ids)
