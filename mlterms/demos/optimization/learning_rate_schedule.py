"""Learning rate schedule: the learning rate as a function of the step, and why it decays."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def warmup_cosine(step: int, total: int, warmup: int, lr_max: float, lr_min: float) -> float:
    """Linear warmup to lr_max over `warmup` steps, then cosine decay to lr_min at `total`."""
    if step < warmup:
        return lr_max * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * t)) / 2


def step_decay_recursive(total: int, lr0: float, every: int, gamma: float) -> list[float]:
    """Step decay one step at a time, as torch's StepLR updates it: multiply by gamma every `every` steps."""
    lrs, lr = [], lr0
    for step in range(total):
        if step and step % every == 0:
            lr *= gamma
        lrs.append(lr)
    return lrs


@demo(
    summary="A learning rate schedule makes the learning rate a function of the training step, eg linear "
    "warmup then cosine decay, or x0.1 every so many epochs: with noisy minibatch gradients, a rate "
    "that decays ends nearer the minimum than the same rate held fixed.",
    params=[
        Param("lr", "float", 0.1, "the starting (peak) learning rate", min=0.01, max=0.2),
        Param("steps", "int", 400, "training steps", min=100, max=2000),
        Param("warmup", "int", 20, "warmup steps", min=1, max=100),
    ],
)
def run(r: Report, *, lr: float, steps: int, warmup: int) -> None:
    import torch

    s = r.section("two common schedules")
    every = max(1, steps // 4)
    cosine = [warmup_cosine(t, steps, warmup, lr, 0.0) for t in range(steps)]
    decay = step_decay_recursive(steps, lr, every, 0.1)
    by_formula = [lr * 0.1 ** (t // every) for t in range(steps)]
    s.plot("learning rate per step", list(range(steps)), cosine=cosine, step_decay=decay)
    r.check_close(
        "StepLR's recursive rule == lr0 * 0.1^floor(t / every)",
        torch.tensor(decay, dtype=torch.float64),
        torch.tensor(by_formula, dtype=torch.float64),
        atol=1e-15,
    )
    peak = max(cosine)
    r.check(
        "warmup rises to the peak, then cosine never rises",
        abs(peak - lr) < 1e-12
        and all(b <= a + 1e-15 for a, b in zip(cosine[warmup - 1 :], cosine[warmup:], strict=False)),
        f"peak {peak:g} at step {warmup - 1}",
        kind="property",
    )
    r.exercise(
        "cosine-midway",
        "With warmup W then cosine decay from lr_max to 0 over the remaining steps, what is the learning "
        "rate halfway through the decay?",
        warmup_cosine(warmup + (steps - warmup) // 2, steps, warmup, lr, 0.0),
        given={"lr_max": lr, "total steps": steps, "warmup W": warmup},
        tolerance=1e-3 * lr,
    )
    noisy_sgd(r, lr, steps, cosine)


def noisy_sgd(r: Report, lr: float, steps: int, cosine: list[float]) -> None:
    import torch

    s = r.section("why decay: SGD noise near the minimum")
    f64 = torch.float64
    w_true = torch.tensor([2.0, -1.0, 0.5, 3.0], dtype=f64)
    x = torch.randn(2000, 4, dtype=f64)  # (N, 4)
    y = x @ w_true + 0.5 * torch.randn(2000, dtype=f64)
    x_val = torch.randn(1000, 4, dtype=f64)
    y_val = x_val @ w_true + 0.5 * torch.randn(1000, dtype=f64)
    runs = [torch.randint(0, 2000, (steps, 4)) for _ in range(5)]  # (steps, B), shared by both schedules
    finals = {}
    for name, rates in [("constant", [lr] * steps), ("warmup + cosine", cosine)]:
        losses = []
        for batches in runs:
            w = torch.zeros(4, dtype=f64)
            for t in range(steps):
                xb, yb = x[batches[t]], y[batches[t]]  # (B, 4), (B,)
                w = w - rates[t] * 2 * xb.T @ (xb @ w - yb) / len(yb)  # an SGD step on the batch's MSE
            losses.append(float(((x_val @ w - y_val) ** 2).mean()))
        finals[name] = sum(losses) / len(losses)  # the mean over 5 runs of minibatch orders
    best = float(((x_val @ torch.linalg.lstsq(x, y).solution - y_val) ** 2).mean())
    s.table(
        ["learning rate", "held-out MSE after training (mean of 5 runs)"],
        [
            ["constant", finals["constant"]],
            ["warmup + cosine", finals["warmup + cosine"]],
            ["least squares (the floor)", best],
        ],
    )
    s.note(
        "A fixed rate keeps jumping around the minimum by an amount that grows with the rate and the "
        "gradient noise; decaying it lets the steps settle. This is a learning-rate schedule, not the "
        "noise schedule of a diffusion model (see the schedule and noise schedule demos)."
    )
    r.effect(
        "the decaying schedule ends with a lower held-out loss than the constant rate",
        finals["warmup + cosine"] < finals["constant"],
        f"{finals['warmup + cosine']:.4f} < {finals['constant']:.4f}",
    )
