"""Bias: the b in y = w·x + b shifts the decision boundary off the origin; its gradient; cancelled by BN."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def _blobs(n: int, offset: float):
    """Two Gaussian classes at (offset, offset) +- (1, 1): separable, but not by a line through 0."""
    import torch

    y = torch.arange(n) % 2  # (n,) labels 0, 1
    centre = torch.full((2,), offset) + (2 * y[:, None] - 1) * torch.tensor([1.0, 1.0])  # (n, 2)
    return centre + 0.6 * torch.randn(n, 2), y.double()


def _fit(x, y, with_bias: bool):
    """Logistic regression by full-batch Adam; returns (w, b) with b = 0 when there is no bias."""
    import torch
    import torch.nn.functional as F

    from mlterms.demos.hand.fit import fit_adam

    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=with_bias)
    params = [w, b] if with_bias else [w]
    losses = fit_adam(params, lambda: F.binary_cross_entropy_with_logits(x @ w + b, y), steps=100, lr=0.3)
    return w.detach(), b.detach(), losses


def _boundary(r: Report, offset: float) -> None:
    import torch.nn.functional as F

    x, y = _blobs(200, offset)
    xt, yt = _blobs(400, offset)
    x, xt = x.double(), xt.double()
    rows, acc = [], {}
    for with_bias in (False, True):
        w, b, losses = _fit(x, y, with_bias)
        acc[with_bias] = float(((xt @ w + b > 0).double() == yt).double().mean())
        rows.append(
            ["w·x + b" if with_bias else "w·x (no bias)", w.tolist(), float(b), losses[-1], acc[with_bias]]
        )
        if with_bias:
            r.check("training loss with a bias falls", losses[-1] < losses[0], f"{losses[0]:.3f} -> {losses[-1]:.3f}",
                    kind="property")  # fmt: skip
            ref = F.binary_cross_entropy_with_logits(x @ w + b, y)
            mine = -(y * F.logsigmoid(x @ w + b) + (1 - y) * F.logsigmoid(-(x @ w + b))).mean()
            r.check_close(
                "training loss by hand == F.binary_cross_entropy_with_logits", mine, ref, atol=1e-12
            )
    s = r.section("a bias shifts the decision boundary off the origin")
    s.note(
        "The bias is a learned number added after the weighted sum: it lets a unit shift its output "
        "regardless of the input. Without it the boundary w·x = 0 must pass through the origin; the two "
        f"classes here sit around ({offset:g}, {offset:g}), and no line through the origin splits them well."
    )
    s.table(["model", "w", "b", "training loss", "held-out accuracy"], rows)
    r.effect(
        "with a bias, held-out accuracy beats the boundary through the origin by 0.25",
        acc[True] > acc[False] + 0.25,
        f"{acc[True]:.3f} vs {acc[False]:.3f}",
    )


def _gradient(r: Report) -> None:
    import torch
    from torch import nn

    conv = nn.Conv2d(2, 3, 3).double()
    x = torch.randn(4, 2, 6, 6, dtype=torch.float64)  # (B, C_in, H, W)
    out = conv(x)  # (B, C_out, 4, 4)
    g = torch.randn_like(out)  # upstream gradient d loss / d out
    (out * g).sum().backward()
    s = r.section("the bias gradient: the upstream gradient summed over every place the bias was added")
    s.note(
        "One bias per kernel (output channel) is added at every example and every position, so "
        "d loss / d b[c] = sum over batch, height and width of d loss / d out[:, c]. With a mean loss the "
        "1/N is already inside the upstream gradient."
    )
    assert conv.bias is not None and conv.bias.grad is not None
    s.tensor("bias grad by autograd (C_out,)", conv.bias.grad)
    r.check_close("d loss / d b == upstream gradient summed over (B, H, W)", g.sum(dim=(0, 2, 3)), conv.bias.grad,
                  atol=1e-12)  # fmt: skip
    r.exercise(
        "conv-biases",
        "How many biases does this conv layer have?",
        conv.out_channels,
        given={"layer": "nn.Conv2d(2, 3, 3)"},
    )


def _before_bn(r: Report) -> None:
    import torch
    from torch import nn

    lin = nn.Linear(4, 3).double()
    bn = nn.BatchNorm1d(3).double()
    x = torch.randn(16, 4, dtype=torch.float64)
    with_b = bn(lin(x))
    without_b = bn(x @ lin.weight.T)  # the same layer with its bias removed
    with_b.pow(3).sum().backward()
    s = r.section("a bias before batch norm is cancelled")
    s.note(
        "Train-mode batch norm subtracts the batch mean of each feature, and a constant bias moves that mean "
        "by exactly b: the output does not depend on b, and b gets zero gradient. So Linear -> BatchNorm "
        "layers use bias=False; BN's own beta does the shifting (see the batch normalization demo)."
    )
    s.tensor("bias grad before BN (out,)", lin.bias.grad)
    r.check_close("BN(x W^T + b) == BN(x W^T)", with_b, without_b, atol=1e-10, kind="property")
    r.check_close("bias before BN gets zero gradient", lin.bias.grad, torch.zeros(3, dtype=torch.float64),
                  atol=1e-9, kind="property")  # fmt: skip


@demo(
    summary="A bias is a learned number added after the weighted sum, y = w·x + b: it lets a unit shift "
    "its output regardless of the input, one per unit (or per output channel of a conv layer).",
    params=[Param("offset", "float", 4.0, "distance of the data's centre from the origin", min=0.0, max=8.0)],
)
def run(r: Report, *, offset: float) -> None:
    _boundary(r, offset)
    _gradient(r)
    _before_bn(r)
    r.section("see also").note(
        "Not the bias of fairness, nor of the bias-variance tradeoff (systematic error). The weight demo "
        "looks at w; the parameter demo counts both; the dense layer demo derives db for a dense layer."
    )
