"""Feature map: the grid one kernel makes; where it fires, how sparse it is after ReLU, how it moves."""

from __future__ import annotations

from mlterms.demos.hand.vision import conv2d_nchw, conv_out
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SOBEL_X = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]  # dark-to-bright, left to right
PLUS = [[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]  # the pattern hidden in the noise


@demo(
    summary="A feature map is the grid one kernel produces on its input, one number per position saying "
    "how strongly the kernel's pattern is there; an edge kernel's map by hand against F.conv2d, sparse "
    "after ReLU, its size by formula, and its peak moving with the pattern (translation equivariance).",
    params=[
        Param("size", "int", 10, "H = W of the images", min=7, max=14),
        Param("dy", "int", 2, "rows the pattern is shifted down", min=0, max=7),
        Param("dx", "int", 3, "columns the pattern is shifted right", min=0, max=7),
        Param("stride", "int", 1, "stride, for the map size", min=1, max=3),
        Param("padding", "int", 0, "padding, for the map size", min=0, max=2),
    ],
)
def run(r: Report, *, size: int, dy: int, dx: int, stride: int, padding: int) -> None:
    import torch

    x = square_image(size)
    sobel = torch.tensor(SOBEL_X, dtype=torch.float64)
    w = torch.stack([sobel, sobel.T])[:, None]  # (C_out=2, C_in=1, 3, 3): vertical and horizontal edges
    maps = one_kernel_one_map(r, x, w)
    sparse(r, maps, size)
    map_size(r, x, w, stride, padding)
    follows(r, size, dy, dx)


def square_image(size: int):
    """(1, 1, H, W): a bright L x L square, L = size // 2 - 1, near the middle of a dark image."""
    import torch

    L = size // 2 - 1
    top = (size - L) // 2
    x = torch.zeros(1, 1, size, size, dtype=torch.float64)
    x[0, 0, top : top + L, top : top + L] = 1.0
    return x


def one_kernel_one_map(r: Report, x, w):
    import torch
    import torch.nn.functional as F

    s = r.section("one kernel, one feature map")
    H = x.shape[2]
    by_hand = torch.cat([conv2d_nchw(x, w[o : o + 1]) for o in range(w.shape[0])], dim=1)  # (1, 2, H-2, W-2)
    ref = F.conv2d(x, w)  # both kernels at once: a conv layer with C_out = 2
    labels = [str(i) for i in range(H)]
    s.heatmap("the image: a bright square", x[0, 0], labels, labels)
    s.tensor("Sobel-x kernel", w[0, 0])
    m = by_hand.shape[2]
    s.heatmap("feature map of Sobel-x (valid, stride 1)", by_hand[0, 0], labels[:m], labels[:m])
    s.tensor("feature map of Sobel-y (its transpose)", by_hand[0, 1])
    s.note(
        "Each kernel slid over the image gives its own map: Sobel-x (right column minus left) is large "
        "and positive where a window straddles the square's left edge (dark to bright), negative on "
        "its right edge, and 0 on flat regions, inside the square or out. Sobel-y does the same for "
        "the top and bottom edges. A conv layer with C_out kernels stacks C_out such maps as its "
        "output channels (see `demo channel`)."
    )
    r.check_close(
        "map of each kernel alone, by hand == channel o of F.conv2d(x, w)", by_hand, ref, atol=1e-12
    )
    return by_hand[0]  # (2, H-2, W-2)


def sparse(r: Report, maps, size: int) -> None:
    import torch

    s = r.section("after ReLU, most of the map is exactly 0")
    L = size // 2 - 1
    active = maps.relu()  # (2, H-2, W-2)
    noise = torch.randn(size, size, dtype=torch.float64)
    noise_map = torch.nn.functional.conv2d(
        noise[None, None], torch.tensor([SOBEL_X], dtype=torch.float64)[None]
    )
    rows = [
        [name, m.numel(), int((m > 0).sum()), float((m == 0).double().mean())]
        for name, m in (("Sobel-x on the square", active[0]), ("Sobel-y on the square", active[1]))
    ]
    rows.append(
        [
            "Sobel-x on Gaussian noise",
            noise_map.numel(),
            int((noise_map > 0).sum()),
            float((noise_map <= 0).double().mean()),
        ]
    )
    s.table(["map after ReLU", "positions", "nonzero", "share zero"], rows)
    s.note(
        f"ReLU keeps only the positive responses: where the kernel's own pattern is, with its sign. On "
        f"the {L}x{L} square, Sobel-x fires only on the left edge: the windows starting 1 or 2 columns "
        f"left of it (2 columns) and overlapping its rows ({L} + 2 rows), so 2 (L + 2) = {2 * (L + 2)} "
        "positions. On structureless noise about half the map survives. The bright-to-dark right edge "
        "needs a second kernel (-Sobel-x): one reason layers have many channels."
    )
    want = 2 * (L + 2)
    r.check_equal(
        "nonzero activations of Sobel-x after ReLU == 2 (L + 2), windows across the left edge",
        rows[0][2],
        want,
        kind="reference",
    )
    r.exercise(
        "active-after-relu",
        "Sobel-x (valid, stride 1) on a dark image with this bright square, then ReLU: how many "
        "positions of the map are nonzero?",
        want,
        given={"image": [size, size], "square side": L, "kernel": SOBEL_X},
    )


def map_size(r: Report, x, w, stride: int, padding: int) -> None:
    import torch.nn.functional as F

    s = r.section(f"the map's size: stride {stride}, padding {padding}")
    H = x.shape[2]
    n = conv_out(H, w.shape[2], stride, padding)
    got = F.conv2d(x, w, stride=stride, padding=padding).shape[2:]
    s.note(
        f"H_out = floor((H + 2p - k) / s) + 1 = floor(({H} + {2 * padding} - 3) / {stride}) + 1 = {n} along "
        "each axis, for every kernel of the layer alike: a layer's maps all have one size (more "
        "settings in `demo convolutional layer`)."
    )
    s.scalar("feature map size", f"{n}x{n}")
    r.check_equal("the map's size by formula == F.conv2d's output", (n, n), tuple(got), kind="reference")
    r.exercise(
        "map-shape",
        "The shape (H_out, W_out) of the feature map of a 3x3 kernel on this image, with this stride and padding?",
        (n, n),
        given={"image": [H, H], "kernel": 3, "stride": stride, "padding": padding},
    )


def plus_map(img, stride: int = 1, mode: str = "circular"):
    """The PLUS kernel's map of img (1, 1, H, W), padding 1: circular (wraps around) or constant (zeros)."""
    import torch.nn.functional as F

    plus = img.new_tensor(PLUS)[None, None]  # (C_out, C_in, 3, 3)
    return conv2d_nchw(F.pad(img, (1, 1, 1, 1), mode=mode), plus, stride=stride)[0, 0]


def peak(m) -> tuple[int, int]:
    """(row, column) of the largest entry of a 2-D map."""
    i = int(m.argmax())
    return i // m.shape[1], i % m.shape[1]


def shift_rows(x, dy: int, dx: int) -> list[list]:
    """Peaks and equivariance errors of the PLUS map under a shift, for three kinds of conv."""
    import torch

    def row(name: str, shift: tuple[int, int], map_shift: tuple[int, int] | None, **conv) -> list:
        base, moved = plus_map(x, **conv), plus_map(torch.roll(x, shift, dims=(2, 3)), **conv)
        shifts = (
            [map_shift] if map_shift else [(a, b) for a in range(base.shape[0]) for b in range(base.shape[1])]
        )
        err = min(float((moved - torch.roll(base, m, (0, 1))).abs().max()) for m in shifts)
        return [name, f"{shift}", peak(base), peak(moved), err]

    return [
        row("stride 1, circular", (dy, dx), (dy, dx)),
        row("stride 1, zeros", (dy, dx), (dy, dx), mode="constant"),
        row("stride 2, circular", (2, 2), (1, 1), stride=2),
        row("stride 2, circular", (1, 1), None, stride=2),  # the best of every shift of the map
    ]


def follows(r: Report, size: int, dy: int, dx: int) -> None:
    import torch

    s = r.section("the map responds where the pattern is: shift one, the other follows")
    P = size - size % 2  # even, so that stride 2 lines up with the wrap-around
    cy, cx = (int(v) for v in torch.randint(1, P - 1, (2,)))
    x = 0.2 * torch.randn(1, 1, P, P, dtype=torch.float64)  # (N, C, H, W): noise
    x[0, 0, cy - 1 : cy + 2, cx - 1 : cx + 2] += x.new_tensor(PLUS)  # the pattern, centred at (cy, cx)
    want = ((cy + dy) % P, (cx + dx) % P)
    labels = [str(i) for i in range(P)]
    s.heatmap(
        "the plus kernel's map of the noisy image, after ReLU (rounded)",
        plus_map(x).relu().round(decimals=1),
        labels,
        labels,
    )
    rows = shift_rows(x, dy, dx)
    s.table(
        ["conv", "image shifted by", "peak before", "peak after", "max |map(shift x) - shift(map x)|"], rows
    )
    s.note(
        f"The plus sits at ({cy}, {cx}) under noise; its matched kernel's map peaks there. Shift the "
        f"image by ({dy}, {dx}) and the peak moves by the same: the same kernel at every position makes "
        "the map translation equivariant, exactly with circular padding, and with zero padding only "
        "away from the border. With stride 2 a 2-pixel shift moves the map by 1, but a 1-pixel shift "
        "matches no shift of the map (the last row: the closest of them all). Pooling over all positions "
        "then forgets where (see `demo global average pooling`)."
    )
    r.check_equal("the map peaks at the pattern's centre", rows[0][2], (cy, cx), kind="property")
    r.check_equal(
        f"shift the image by ({dy}, {dx}): the peak moves by the same, mod {P}",
        rows[0][3],
        want,
        kind="property",
    )
    r.check_close(
        "stride 2: a 2-pixel shift of the image shifts the map by 1",
        rows[2][4],
        0.0,
        atol=1e-12,
        kind="property",
    )
    r.exercise(
        "peak-after-shift",
        "The map of a conv (stride 1, circular padding) peaks here; the image is rolled by this shift. "
        "Where does the map peak now?",
        want,
        given={"peak before": [cy, cx], "shift": [dy, dx], "image": [P, P]},
    )
