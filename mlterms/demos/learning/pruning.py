"""Pruning: set the smallest-magnitude weights to zero; checked against torch.nn.utils.prune."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

FEATURES, N_TRAIN = 64, 256
SWEEP = (0.25, 0.5, 0.75, 0.9, 0.97)


def magnitude_mask(w, amount: float):
    """1 for the weights kept, 0 for the round(amount * n) weights of smallest |w| (ties: lowest index first)."""
    import torch

    k = round(amount * w.numel())
    mask = torch.ones(w.numel(), dtype=w.dtype)
    mask[w.abs().flatten().argsort(stable=True)[:k]] = 0.0
    return mask.view_as(w)


def random_mask(w, amount: float):
    """The baseline: zero round(amount * n) weights chosen at random."""
    import torch

    mask = torch.ones(w.numel(), dtype=w.dtype)
    mask[torch.randperm(w.numel())[: round(amount * w.numel())]] = 0.0
    return mask.view_as(w)


def r2(pred, y) -> float:
    """1 - MSE / Var(y): 1 is perfect, 0 is no better than predicting the mean."""
    return float(1 - ((pred - y) ** 2).mean() / y.var(unbiased=False))


@demo(
    summary="Pruning removes weights from a trained model, commonly the ones of smallest magnitude, to make it "
    "smaller and sparser; the accuracy usually falls little at first, then faster as more is removed.",
    params=[Param("amount", "float", 0.5, "fraction of the weights to remove", min=0.05, max=0.95)],
)
def run(r: Report, *, amount: float) -> None:
    import torch
    import torch.nn.utils.prune as prune

    w_true = torch.randn(1, FEATURES) * torch.exp(-torch.arange(FEATURES) / 10.0)  # (1, 64) a few matter most
    w_true = w_true[:, torch.randperm(FEATURES)]  # ... in places the learner does not know
    x, x_test = torch.randn(N_TRAIN, FEATURES), torch.randn(1000, FEATURES)
    y, y_test = x @ w_true.T + 0.1 * torch.randn(N_TRAIN, 1), x_test @ w_true.T  # (256, 1), (1000, 1)
    layer = torch.nn.Linear(FEATURES, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.linalg.lstsq(x, y).solution.T)  # the trained model: least squares
    trained = layer.weight.detach().clone()

    s = r.section(f"1. remove the {amount:.0%} of weights with the smallest |w|")
    mask = magnitude_mask(trained, amount)
    prune.l1_unstructured(layer, "weight", amount=amount)  # torch's own: weight = weight_orig * weight_mask
    r.check_close("mask by hand == torch.nn.utils.prune.l1_unstructured's weight_mask", mask, layer.weight_mask,
                  atol=0.0)  # fmt: skip
    zeros = int((layer.weight == 0).sum())
    r.check_equal(
        "exactly round(amount * n) weights are zero", zeros, round(amount * FEATURES), kind="property"
    )
    kept = trained * mask
    r.check("no removed weight is larger than a kept one", float(trained[mask == 0].abs().max()) <=
            float(kept[mask == 1].abs().min()), kind="property")  # fmt: skip
    s.tensor(
        "|w| of the trained model, largest first (first 12)",
        trained.abs().sort(descending=True).values[0, :12],
    )
    s.table(["weights", "count"], [["total", FEATURES], ["zero after pruning", zeros]])

    s = r.section("2. held-out fit as more is removed: by magnitude vs at random")
    sweep: dict[float, tuple[float, float]] = {}  # fraction removed: (R^2 by magnitude, R^2 at random)
    for p in sorted({*SWEEP, amount}):
        by_size = r2(x_test @ (trained * magnitude_mask(trained, p)).T, y_test)
        at_random = sum(r2(x_test @ (trained * random_mask(trained, p)).T, y_test) for _ in range(5)) / 5
        sweep[p] = (by_size, at_random)
    rows = [[f"{p:.1%}", *v] for p, v in sweep.items()]
    s.table(
        ["removed", "R^2 by magnitude", "R^2 random (mean of 5)"],
        rows,
        title="1000 held-out points (R^2 1 = perfect)",
    )
    s.plot("held-out R^2 against the fraction removed", list(sweep),
           magnitude=[v[0] for v in sweep.values()], random=[v[1] for v in sweep.values()])  # fmt: skip
    s.note("Most of this model's output comes from a few large weights, so removing the many small ones costs "
           "little at first: accuracy degrades gracefully, then falls as the important weights go. Real pruning is "
           "usually followed by some fine-tuning, and removing whole rows or channels (structured pruning) is what "
           "speeds up dense hardware. Quantization and distilling are other ways to shrink a model.")  # fmt: skip
    with torch.no_grad():
        full, pruned = r2(x_test @ trained.T, y_test), r2(layer(x_test), y_test)
    at_random = sweep[amount][1]
    r.effect("magnitude pruning keeps more held-out accuracy than random pruning", pruned > at_random,
             f"R^2 {pruned:.3f} vs {at_random:.3f}")  # fmt: skip
    r.effect(f"removing {amount:.0%} of the weights costs less than 0.05 of held-out R^2", full - pruned < 0.05,
             f"{full:.3f} -> {pruned:.3f}")  # fmt: skip
    r.exercise("zeros", "prune.l1_unstructured with this amount on a weight of n numbers: how many become zero?",
               round(0.3 * 1000), given={"n": 1000, "amount": 0.3})  # fmt: skip
    r.exercise("which-survive", "Pruning 50% by magnitude of these weights: which indices are kept (ascending)?",
               sorted(int(i) for i in trained[0, :4].abs().argsort()[2:]), given={"w": trained[0, :4]})  # fmt: skip
