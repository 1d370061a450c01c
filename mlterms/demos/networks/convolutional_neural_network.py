"""Convolutional neural network: shapes and parameters layer by layer, translation equivariance,
and a tiny CNN against an MLP with as many parameters on patterns at positions it never saw."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.windows import out_size
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

S = 8  # image side in the translation task
STEPS = 80  # full-batch Adam steps for each model
CHANNELS, HIDDEN = 12, 2  # 12*9 + 12 + 12 + 1 = 133 = 64*2 + 2 + 2 + 1 parameters each
LABELS = [
    "Conv2d(1, 4, 3, padding=1)", "ReLU", "MaxPool2d(2)", "Conv2d(4, 8, 3)", "ReLU", "MaxPool2d(2)",
    "Flatten", "Linear(8*h*h, 10)",
]  # fmt: skip


@demo(
    summary="A convolutional neural network is built mainly from convolutional layers, with pooling or "
    "strides to shrink the maps and usually a dense layer at the end. Its kernels slide over every "
    "position, so a pattern learned in one place is found in another.",
    params=[Param("size", "int", 16, "input height and width for the shape table", min=8, max=32)],
)
def run(r: Report, *, size: int) -> None:
    shapes(r, size)
    equivariance(r)
    translation(r)


def shapes(r: Report, size: int) -> None:
    import torch
    from torch import nn

    s = r.section(f"a small CNN on a 1x{size}x{size} image, layer by layer")
    h1 = out_size(size, 3, 1, 1) // 2  # conv 3x3 pad 1 keeps the size; 2x2 max pool halves (floor)
    h2 = out_size(h1, 3) // 2  # conv 3x3 no padding loses 2; pool halves
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * h2 * h2, 10),
    )  # fmt: skip
    by_formula = [
        ((4, size, size), 4 * 1 * 9 + 4), ((4, size, size), 0), ((4, h1, h1), 0),
        ((8, h1 - 2, h1 - 2), 8 * 4 * 9 + 8), ((8, h1 - 2, h1 - 2), 0), ((8, h2, h2), 0),
        ((8 * h2 * h2,), 0), ((10,), 8 * h2 * h2 * 10 + 10),
    ]  # fmt: skip
    x = torch.randn(2, 1, size, size)  # (N, C, H, W)
    rows, got, want = [], [], []
    with torch.no_grad():
        for module, label, (shape, n_params) in zip(net, LABELS, by_formula, strict=True):
            x = module(x)
            numel = sum(p.numel() for p in module.parameters())
            torch_shape = tuple(x.shape[1:])
            rows.append([label, "x".join(map(str, shape)), "x".join(map(str, torch_shape)), n_params, numel])
            got.append((torch_shape, numel))
            want.append((shape, n_params))
    s.table(["layer", "shape, formula", "torch gives", "params, formula", "numel"], rows)
    s.note(
        "Conv 3x3 padding 1: H -> H; conv 3x3 no padding: H -> H - 2; 2x2 max pool: H -> floor(H/2). "
        "Conv params = C_out*C_in*k*k + C_out; Linear = in*out + out. The convs hold few parameters; the "
        "dense layer at the end, which sees the whole map, usually holds most."
    )
    wrong = [LABELS[i] for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b]
    r.check(
        "shapes and parameter counts by formula == the torch.nn modules",
        not wrong,
        f"{len(got) - len(wrong)} of {len(got)} layers agree"
        + (f"; not {', '.join(wrong)}" if wrong else ""),
        kind="reference",
    )
    r.exercise(
        "flatten-size",
        "How many numbers reach the final Linear layer (after Flatten)?",
        8 * h2 * h2,
        given={"input (C, H, W)": [1, size, size], "layers": LABELS[:7]},
    )


def equivariance(r: Report) -> None:
    import torch
    from torch import nn

    s = r.section("translation: shift the image, the feature maps shift with it")
    conv = nn.Conv2d(1, 3, 3, padding=1, padding_mode="circular").double()
    x = torch.randn(1, 1, S, S, dtype=torch.float64)  # (N, C, H, W)
    dy, dx = 2, 3
    with torch.no_grad():
        shifted_then_conv = conv(torch.roll(x, (dy, dx), dims=(2, 3)))
        conv_then_shifted = torch.roll(conv(x), (dy, dx), dims=(2, 3))
        pooled = conv(x).amax(dim=(2, 3)), shifted_then_conv.amax(dim=(2, 3))  # global max: (1, 3) each
    s.note(
        f"conv(shift(x)) == shift(conv(x)): the same kernel is applied at every position (equivariance; "
        f"exact here with circular padding, near the border only with zeros). A global max pool then "
        f"forgets where: the pooled features of the shifted image are the same (invariance). Shift "
        f"({dy}, {dx}) pixels."
    )
    s.table(["image", "global max of each feature map"], [["x", pooled[0][0]], ["shifted x", pooled[1][0]]])
    r.check_close("conv(shift(x)) == shift(conv(x))", shifted_then_conv, conv_then_shifted, kind="property")
    r.check_close("global max pool of the maps is unchanged by the shift", *pooled, kind="property")


def bars(n: int, cols):
    """n noisy S x S images, each a 3-pixel bar: vertical (label 1) or horizontal (label 0), in a 3x3
    box whose top-left corner is a random row and a column drawn from `cols`."""
    import torch

    y = torch.randint(0, 2, (n,))  # (n,)
    x = 0.3 * torch.randn(n, S, S)  # (n, H, W)
    top = torch.randint(0, S - 2, (n,))
    left = cols[torch.randint(0, len(cols), (n,))]
    up, idx = y.bool(), torch.arange(n)
    for d in range(3):
        x[idx[up], top[up] + d, left[up] + 1] += 1.0  # vertical: the box's middle column
        x[idx[~up], top[~up] + 1, left[~up] + d] += 1.0  # horizontal: its middle row
    return x, y.float()


def fit(params: list, logits, x, y) -> float:
    """Full-batch Adam on the binary cross-entropy; the training loss after the last step."""
    import torch
    import torch.nn.functional as F

    fit_adam(params, lambda: F.binary_cross_entropy_with_logits(logits(x), y), STEPS, lr=0.1)
    with torch.no_grad():
        return float(F.binary_cross_entropy_with_logits(logits(x), y))


def translation(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("a pattern learned in one place, found in another: CNN vs MLP")
    half = (S - 2) // 2
    x_train, y_train = bars(128, torch.arange(0, half))  # bars in the left half only
    x_test, y_test = bars(400, torch.arange(half, S - 2))  # held out: bars in the right half
    w, b = (0.3 * torch.randn(CHANNELS, 9)).requires_grad_(), torch.zeros(CHANNELS, 1, requires_grad=True)
    v, c = (0.3 * torch.randn(1, CHANNELS)).requires_grad_(), torch.zeros(1, requires_grad=True)

    def cnn(cols):  # conv 3x3 (as windows @ kernels) -> relu -> global max pool -> linear
        maps = (w @ cols + b).relu()  # (C, N * P): one 2-D matmul for every window of every image
        return (v @ maps.view(CHANNELS, -1, P).amax(dim=2) + c[:, None])[0]  # (N,)

    W1, b1 = (0.1 * torch.randn(HIDDEN, S * S)).requires_grad_(), torch.zeros(HIDDEN, requires_grad=True)
    W2, b2 = (0.5 * torch.randn(1, HIDDEN)).requires_grad_(), torch.zeros(1, requires_grad=True)

    def mlp(imgs):  # flatten -> linear -> relu -> linear
        return ((imgs.flatten(1) @ W1.T + b1).relu() @ W2.T + b2)[:, 0]  # (N,)

    cnn_params, mlp_params = [w, b, v, c], [W1, b1, W2, b2]
    P = (S - 2) ** 2  # positions of a 3x3 window

    def windows(imgs):  # (N, H, W) -> (9, N * P): every 3x3 window of every image as a column
        return F.unfold(imgs[:, None], 3).transpose(0, 1).reshape(9, -1)

    cols_train, cols_test = windows(x_train), windows(x_test)
    losses = {"CNN": fit(cnn_params, cnn, cols_train, y_train), "MLP": fit(mlp_params, mlp, x_train, y_train)}
    with torch.no_grad():
        conv_ref = F.conv2d(x_test[:5, None], w.view(CHANNELS, 1, 3, 3), b.view(-1)).flatten(2)
        by_windows = (w @ cols_test[:, : 5 * P] + b).view(CHANNELS, 5, P).transpose(0, 1)  # (5, C, P)
        r.check_close("windows @ kernels == F.conv2d", by_windows, conv_ref)
        z = cnn(cols_train)
        by_hand = (z.clamp(min=0) - z * y_train + (-z.abs()).exp().log1p()).mean()
        r.check_close("training loss by hand == F.binary_cross_entropy_with_logits", by_hand, losses["CNN"])
        acc = {
            name: [
                float(((f(x) > 0).float() == y).float().mean())
                for x, y in ((inputs[0], y_train), (inputs[1], y_test))
            ]
            for name, f, inputs in (("CNN", cnn, (cols_train, cols_test)), ("MLP", mlp, (x_train, x_test)))
        }
    counts = {n: sum(p.numel() for p in ps) for n, ps in (("CNN", cnn_params), ("MLP", mlp_params))}
    s.table(
        ["model", "params", "train loss", "train acc", "held-out acc"],
        [
            [f"CNN {CHANNELS}x3x3, max", counts["CNN"], losses["CNN"], *acc["CNN"]],
            [f"MLP {S * S}-{HIDDEN}-1", counts["MLP"], losses["MLP"], *acc["MLP"]],
        ],
        title=f"vertical vs horizontal bars in {S}x{S} noise: trained on the left half, held out on the right",
    )
    s.note(
        "The CNN: conv 3x3 (12 kernels), relu, global max pool, linear. Both models have the same "
        "number of parameters. The MLP has one weight per pixel, and the "
        "right-half pixels never carried a bar in training, so it is near chance there. The CNN's "
        "kernels are shared across positions and the global max forgets where: it finds the bars anywhere."
    )
    r.check_equal(
        "parameters: CNN C*9 + C + C + 1 == MLP 64*h + h + h + 1 == numel",
        (counts["CNN"], counts["MLP"]),
        (CHANNELS * 11 + 1, HIDDEN * (S * S + 2) + 1),
        kind="reference",
    )
    r.effect(
        "the CNN classifies bars at held-out positions", acc["CNN"][1] >= 0.75, f"{acc['CNN'][1]:.0%} >= 75%"
    )
    r.effect(
        "the MLP with as many parameters is near chance there",
        acc["MLP"][1] <= 0.65 and acc["CNN"][1] - acc["MLP"][1] >= 0.2,
        f"{acc['MLP'][1]:.0%}, {acc['CNN'][1] - acc['MLP'][1]:.0%} below the CNN",
    )
