"""Epoch: one full pass over the training set, each example seen exactly once."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="An epoch is one full pass over the whole training set: with N examples and batch size B it "
    "takes ceil(N / B) steps, each example is seen exactly once (in a new order each epoch), and "
    "training runs many epochs while the validation loss is watched after each one.",
    params=[
        Param("n", "int", 50, "N, training examples", min=1, max=500),
        Param("batch_size", "int", 8, "B, examples per step", min=1, max=128),
        Param("drop_last", "choice", "no", "drop the last, smaller batch", choices=("no", "yes")),
        Param("epochs", "int", 8, "passes over the training set", min=1, max=30),
    ],
)
def run(r: Report, *, n: int, batch_size: int, drop_last: str, epochs: int) -> None:
    import math

    import torch
    from torch.utils.data import DataLoader, TensorDataset

    drop = drop_last == "yes"
    x = torch.randn(n, 3, dtype=torch.float64)  # (N, 3)
    y = x @ torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64) + 0.3 * torch.randn(n, dtype=torch.float64)
    ids = torch.arange(n)
    loader = DataLoader(TensorDataset(ids), batch_size=batch_size, shuffle=True, drop_last=drop)

    s = r.section("steps per epoch")
    by_formula = n // batch_size if drop else math.ceil(n / batch_size)
    s.table(
        ["N", "B", "drop_last", "ceil(N / B)", "floor(N / B)", "len(DataLoader)"],
        [[n, batch_size, drop_last, math.ceil(n / batch_size), n // batch_size, len(loader)]],
    )
    r.check_equal("steps by formula == len(DataLoader)", by_formula, len(loader), kind="reference")
    r.exercise(
        "steps-per-epoch",
        "How many optimizer steps does one epoch take?",
        by_formula,
        given={"N examples": n, "batch size B": batch_size, "drop_last": drop_last},
    )

    orders = [
        torch.cat([b for (b,) in loader]) if len(loader) else torch.empty(0, dtype=torch.long)
        for _ in range(2)
    ]
    s = r.section("each example once per epoch, in a new order")
    seen = [sorted(o.tolist()) for o in orders]
    kept = n - (n % batch_size if drop else 0)
    s.table(
        ["epoch", "examples seen", "distinct", "first ids in order"],
        [
            [e + 1, len(o), len(set(o.tolist())), " ".join(map(str, o[:8].tolist()))]
            for e, o in enumerate(orders)
        ],
    )
    r.check(
        "every epoch sees each kept example exactly once",
        all(len(o) == kept and len(set(q)) == kept for o, q in zip(orders, seen, strict=True)),
        f"{kept} of {n} examples" + (f" ({n - kept} dropped with the last batch)" if kept < n else ""),
        kind="property",
    )
    s.note(
        "An epoch is not a step: a step (iteration) is one batch and one optimizer.step(); an epoch is "
        "ceil(N / B) of them. With drop_last the last, smaller batch is skipped, so a few examples "
        "sit out each epoch (a different few each time, since the order is reshuffled)."
    )
    train_for_epochs(r, x, y, loader, epochs)


def train_for_epochs(r: Report, x, y, loader, epochs: int) -> None:
    import torch

    s = r.section("many epochs, the validation loss watched after each")
    w_true = torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64)
    x_val = torch.randn(200, 3, dtype=torch.float64)  # (200, 3) held out
    y_val = x_val @ w_true + 0.3 * torch.randn(200, dtype=torch.float64)
    w = torch.zeros(3, dtype=torch.float64)
    rows, steps = [], 0
    for epoch in range(1, epochs + 1):
        for (batch,) in loader:
            xb, yb = x[batch], y[batch]  # (B, 3), (B,)
            grad = 2 * xb.T @ (xb @ w - yb) / len(batch)  # d/dw of the batch's mean squared error
            w = w - 0.05 * grad
            steps += 1
        rows.append([epoch, steps, ((x @ w - y) ** 2).mean(), ((x_val @ w - y_val) ** 2).mean()])
    s.table(["epoch", "steps so far", "train MSE", "validation MSE"], rows)
    s.plot(
        "validation MSE after each epoch",
        [row[0] for row in rows],
        validation=[float(row[3]) for row in rows],
    )
    first, last = float(rows[0][3]), float(rows[-1][3])
    r.effect(
        "more epochs lower the validation loss here (no overfitting yet)",
        last < first,
        f"epoch 1: {first:.3f}, epoch {epochs}: {last:.3f}",
        asserted=epochs >= 3 and len(loader) > 0,
    )
