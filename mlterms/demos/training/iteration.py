"""Iteration: one batch, one update; an epoch is ceil(N / batch size) of them."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def iterations_per_epoch(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Batches per pass over n examples: ceil(n / batch_size), or floor if the short last one is dropped."""
    return n // batch_size if drop_last else math.ceil(n / batch_size)


@demo(
    summary="An iteration is a single update of the model's parameters: forward, backward and update on "
    "one batch, the same as a step; an epoch of N examples is ceil(N / batch size) iterations "
    "(floor with drop_last).",
    params=[
        Param("n", "int", 10, "N, examples in the dataset", min=1, max=200),
        Param("batch_size", "int", 4, "examples per batch", min=1, max=64),
        Param("epochs", "int", 3, "passes over the data in the training loop", min=1, max=5),
    ],
)
def run(r: Report, *, n: int, batch_size: int, epochs: int) -> None:
    per_epoch(r, n, batch_size)
    training_loop(r, n, batch_size, epochs)
    r.exercise(
        "per-epoch",
        "How many iterations does one epoch take (the short last batch kept)?",
        iterations_per_epoch(n, batch_size),
        given={"N": n, "batch size": batch_size},
    )
    r.exercise(
        "per-epoch-drop-last",
        "And with drop_last=True (the short last batch thrown away)?",
        iterations_per_epoch(n, batch_size, drop_last=True),
        given={"N": n, "batch size": batch_size},
    )


def per_epoch(r: Report, n: int, batch_size: int) -> None:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    s = r.section("iterations per epoch")
    rows = []
    for size, bs in dict.fromkeys([(n, batch_size), (10_000, 100), (12, 4), (5, 8)]):  # the knobs first
        for drop_last in (False, True):
            loader = DataLoader(TensorDataset(torch.arange(size)), batch_size=bs, drop_last=drop_last)
            hand = iterations_per_epoch(size, bs, drop_last)
            r.check_equal(f"N={size}, batch {bs}, drop_last={drop_last}: by hand == len(DataLoader)",
                          hand, len(loader), kind="reference")  # fmt: skip
            if size <= 200:  # iterate the small ones and count what actually comes out
                sizes = [len(batch) for (batch,) in loader]
                r.check(
                    f"N={size}, batch {bs}, drop_last={drop_last}: len(DataLoader) batches, "
                    f"{'floor(N / batch) * batch' if drop_last else 'all N'} examples",
                    len(sizes) == len(loader) and sum(sizes) == (size - size % bs if drop_last else size),
                    f"{len(sizes)} batches, {sum(sizes)} examples",
                    kind="property",
                )
            last = size - (hand - 1) * bs if hand and not drop_last else (bs if hand else "-")
            rows.append([size, bs, drop_last, hand, len(loader), last])
    s.table(
        ["N", "batch size", "drop_last", "ceil/floor by hand", "len(DataLoader)", "last batch size"], rows
    )
    s.note(
        "The glossary's example: 10,000 examples with batch size 100 => 100 iterations per epoch. "
        "drop_last=True throws away the short last batch: with N=5 and batch size 8 there is no "
        "iteration at all."
    )


def training_loop(r: Report, n: int, batch_size: int, epochs: int) -> None:
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    s = r.section("iteration vs epoch in a training loop")
    x, y = torch.randn(n, 2), torch.randn(n, 1)  # (N, 2), (N, 1)
    loader = DataLoader(TensorDataset(x, y, torch.arange(n)), batch_size=batch_size, shuffle=True)
    W = torch.zeros(1, 2, requires_grad=True)  # (1, 2)
    rows, iterations, seen = [], 0, 0
    for epoch in range(epochs):
        order = []
        for xb, yb, idx in loader:  # one iteration: one batch (B, 2), forward + backward + one update
            loss = F.mse_loss(xb @ W.T, yb)
            (grad,) = torch.autograd.grad(loss, W)
            with torch.no_grad():
                W -= 0.1 * grad  # the update, what optimizer.step() would do
            iterations += 1
            seen += len(xb)
            order += idx.tolist()
        r.check(
            f"epoch {epoch + 1}: every example seen exactly once (shuffled)",
            sorted(order) == list(range(n)),
            " ".join(map(str, order[:12])) + (" ..." if n > 12 else ""),
            kind="property",
        )
        rows.append([epoch + 1, len(loader), iterations, seen])
    s.table(["epoch", "iterations this epoch", "iterations (updates) so far", "examples seen so far"], rows)
    s.note(
        "One epoch = one pass over all N examples, in a new shuffled order each time. Each iteration "
        "makes one update, so after E epochs there have been E * ceil(N / batch size) updates."
    )
