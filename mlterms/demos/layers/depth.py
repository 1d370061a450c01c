"""Depth: which layers count (conv, dense, embedding), found by walking a model's modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    from torch import nn


def weight_layers(model: nn.Module) -> list[tuple[str, nn.Module, bool]]:
    """Every leaf module of model as (name, module, counts toward depth).

    A layer counts when it holds a weight matrix or kernel (a weight of 2 or more dimensions):
    conv, dense and embedding layers. Batch norm's weight is a per-channel scale (1-D): it is
    learned, but not counted; ReLU, pooling and dropout have no weights at all.
    """
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children())]
    return [(name, m, any(p.dim() >= 2 for p in m.parameters(recurse=False))) for name, m in leaves]


def describe(m: nn.Module) -> list:
    """A table row's cells for one layer: its class, its weight's shape, its parameter count."""
    weight = getattr(m, "weight", None)
    shape = str(tuple(weight.shape)) if weight is not None else "-"
    return [type(m).__name__, shape, sum(p.numel() for p in m.parameters())]


@demo(
    summary="Depth is the number of weight layers (conv, dense, embedding): hidden layers + the output "
    "layer. The input layer, activations, pooling, dropout and batch norm don't count.",
    params=[Param("hidden", "int", 3, "hidden layers of the MLP", min=1, max=6)],
)
def run(r: Report, *, hidden: int) -> None:
    import torch
    from torch import nn

    sizes = [4, *[8] * hidden, 2]  # input, hidden layers, output
    mods: list = []
    for a, b in zip(sizes, sizes[1:], strict=False):
        mods += [nn.Linear(a, b).double(), nn.ReLU()]
    mlp = nn.Sequential(*mods[:-1])  # no activation after the output layer

    s = r.section(f"an MLP {' -> '.join(map(str, sizes))}")
    rows = [["-", "input (4 numbers)", "-", 0, "no"]]
    for name, m, counted in weight_layers(mlp):
        rows.append([name, *describe(m), "yes" if counted else "no"])
    s.table(["module", "layer", "weight shape", "parameters", "counts toward depth"], rows)
    s.table(["", "count"], [["hidden layers", hidden], ["output layer", 1], ["depth", hidden + 1]])
    s.note(
        "The input layer is the data itself: no weights, not counted. A ReLU belongs to the layer "
        "before it (out = f(w·x + b)); it is not a layer of its own."
    )
    x = torch.randn(3, 4, dtype=torch.float64)  # (N, in)
    h = x
    linears = [m for m in mlp if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, lin in enumerate(linears):
            h = h @ lin.weight.T + lin.bias  # one weight matrix per counted layer
            h = h.relu() if i < len(linears) - 1 else h
        ref = mlp(x)
    r.check_close("forward by hand, one weight matrix per layer == the MLP", h, ref, atol=1e-12)
    r.exercise(
        "mlp-depth",
        "What is the depth of this MLP?",
        hidden + 2,
        given={"layer sizes": [4, *[8] * (hidden + 1), 2], "activation": "relu between layers"},
    )
    cnn(r)
    embedding(r)


def cnn(r: Report) -> None:
    import torch
    from torch import nn

    s = r.section("a CNN with batch norm, pooling and dropout: walk its modules")
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(8, 3),
    )  # fmt: skip
    walked = weight_layers(model)
    rows = [
        [name, repr(m), sum(p.numel() for p in m.parameters()), "yes" if c else "no"] for name, m, c in walked
    ]
    s.table(["module", "layer", "parameters", "counts toward depth"], rows)
    depth = sum(c for _, _, c in walked)
    with_params = sum(1 for _, m, _ in walked if list(m.parameters()))
    s.table(
        ["count", "value"],
        [["modules", len(walked)], ["modules with learned parameters", with_params], ["depth", depth]],
    )
    s.note(
        "Batch norm has a learned scale and shift per channel, yet nobody counts it: 'layers with "
        "weights' would give 5 here. Depth counts the layers with a weight matrix or kernel. ResNet-50's "
        "50 is 49 conv layers + 1 dense layer; it leaves out its 53 batch norms and the 4 1x1 "
        "projection convs on its shortcuts (beside the path, not on it)."
    )
    classes = sum(isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)) for m in model.modules())
    r.check_equal(
        "depth by the weight-shape rule == count of nn.Conv2d / nn.Linear modules",
        depth,
        classes,
        kind="reference",
    )
    calls: list[str] = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: calls.append(type(m).__name__)) for _, m, c in walked if c
    ]
    with torch.no_grad():
        model(torch.randn(2, 1, 8, 8))  # (N, C, H, W)
    for h in hooks:
        h.remove()
    r.check_equal("weight layers applied in one forward pass == depth", len(calls), depth, kind="property")
    r.exercise(
        "cnn-counts",
        "For this CNN: how many modules have learned parameters, and what is its depth?",
        (with_params, depth),
        given={"layers": [repr(m) for m in model]},
    )


def embedding(r: Report) -> None:
    from torch import nn

    s = r.section("an embedding layer counts once, like any hidden layer")
    model = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    walked = weight_layers(model)
    s.table(
        ["module", "layer", "weight shape", "parameters", "counts toward depth"],
        [[name, *describe(m), "yes" if c else "no"] for name, m, c in walked],
    )
    s.note(
        "The glossary: an embedding layer is a hidden layer (a dense layer on a one-hot input), so "
        "embedding + 1 hidden + 1 output = depth 3. The original notes listed embedding layers as a "
        "third term of the sum, as Google's glossary does: count each one once either way."
    )
    classes = sum(isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)) for m in model.modules())
    r.check_equal(
        "depth by the weight-shape rule == count of nn.Embedding / nn.Linear modules",
        sum(c for _, _, c in walked),
        classes,
        kind="reference",
    )
