"""Batch: many examples through the model at once, one row each; the loss averages over them."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="A batch is the set of examples used in one training step: stacked along a first dimension "
    "B, they go through the model in one call, row by row the same as one at a time, and the batch's "
    "mean loss has the mean of the per-example gradients as its gradient.",
    params=[
        Param("batch_size", "int", 4, "B, examples in the batch", min=1, max=64),
        Param("features", "int", 3, "C, features per example", min=1, max=16),
    ],
)
def run(r: Report, *, batch_size: int, features: int) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    f64 = torch.float64
    model = nn.Sequential(nn.Linear(features, 5, dtype=f64), nn.Tanh(), nn.Linear(5, 2, dtype=f64))
    x = torch.randn(batch_size, features, dtype=f64)  # (B, C): one example per row
    y = torch.randint(0, 2, (batch_size,))  # (B,) class labels

    s = r.section("a batch is a stack of examples along dimension 0")
    out = model(x)  # (B, 2)
    one_by_one = torch.stack([model(x[i]) for i in range(batch_size)])  # (B, 2)
    s.tensor("x, the batch (B, C)", x)
    s.tensor("model(x) (B, 2)", out)
    r.check_close("model(batch) == each example through the model alone", out, one_by_one, atol=1e-12)
    r.exercise(
        "output-shape",
        "A batch of shape (B, C) goes through Linear(C, 5), Tanh, Linear(5, 2): the output's shape?",
        tuple(out.shape),
        given={"B": batch_size, "C": features},
    )

    s = r.section("the batch loss's gradient is the mean of per-example gradients")
    params = list(model.parameters())
    batch_grads = torch.autograd.grad(F.cross_entropy(out, y), params)
    per_example = [
        torch.autograd.grad(F.cross_entropy(model(x[i : i + 1]), y[i : i + 1]), params)
        for i in range(batch_size)
    ]
    mean_grads = [torch.stack([g[j] for g in per_example]).mean(0) for j in range(len(params))]
    worst = max(float((a - b).abs().max()) for a, b in zip(batch_grads, mean_grads, strict=True))
    r.check(
        "grad of mean batch loss == mean of per-example grads",
        worst < 1e-12,
        f"max|diff| {worst:.1e}",
        kind="reference",
    )
    summed = torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), params)
    ratio = [
        float((a / b)[b.abs() > 1e-9].mean())
        for a, b in zip(summed, batch_grads, strict=True)
        if (b.abs() > 1e-9).any()
    ]
    s.table(
        ["reduction", "gradient scale vs 'mean'"],
        [["mean", 1.0], ["sum", ratio[0] if ratio else float("nan")]],
    )
    r.check(
        "reduction='sum' scales the gradient by B",
        all(abs(q - batch_size) < 1e-6 * batch_size for q in ratio),
        f"x{ratio[0]:.3f}" if ratio else "no nonzero gradient",
        kind="property",
    )
    s.note(
        "So with the default mean reduction a bigger batch gives a less noisy estimate of the same "
        "gradient, not a bigger one; with reduction='sum' the step grows with B and the learning rate "
        "must shrink to match. A batch is one step's data; an epoch is all the batches once."
    )
    r.exercise(
        "sum-scale",
        "With reduction='sum' instead of 'mean', by what factor does the loss gradient grow?",
        batch_size,
        given={"batch size B": batch_size},
    )
