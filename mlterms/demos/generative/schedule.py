"""A schedule: a value as a function of the step; the Karras noise schedule and a cosine learning rate."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SIGMA_MIN, SIGMA_MAX = 0.002, 80.0


def karras_sigmas(n: int, sigma_min: float, sigma_max: float, rho: float) -> list[float]:
    """Karras et al. (2022): n noise levels from sigma_max down to sigma_min, evenly spaced in sigma^(1/rho)."""
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return [(hi + i / (n - 1) * (lo - hi)) ** rho for i in range(n)]


def cosine_lr(step: int, total: int, lr_max: float, lr_min: float = 0.0) -> float:
    """Cosine annealing, closed form: lr_min + (lr_max - lr_min) (1 + cos(pi step / total)) / 2."""
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * step / total)) / 2


def cosine_lr_recursive(total: int, lr_max: float, lr_min: float) -> list[float]:
    """The same schedule one step at a time, as torch's CosineAnnealingLR updates it from the last lr:
    lr_t = lr_min + (lr_(t-1) - lr_min) (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T))."""
    lrs = [lr_max]
    for t in range(1, total + 1):
        ratio = (1 + math.cos(math.pi * t / total)) / (1 + math.cos(math.pi * (t - 1) / total))
        lrs.append(lr_min + (lrs[-1] - lr_min) * ratio)
    return lrs


@demo(
    summary="A schedule is a plan for how a value changes over the steps: the Karras noise schedule a "
    "diffusion sampler steps through (rho = 7: the steps shrink toward sigma_min), and a cosine "
    "learning-rate schedule.",
    params=[
        Param(
            "rho",
            "float",
            7.0,
            "Karras rho: how strongly the steps shrink toward sigma_min",
            min=1.0,
            max=10.0,
        ),
        Param("steps", "int", 10, "number of noise levels", min=2, max=50),
    ],
)
def run(r: Report, *, rho: float, steps: int) -> None:
    noise_schedule(r, rho, steps)
    lr_schedule(r)


def noise_schedule(r: Report, rho: float, n: int) -> None:
    import torch

    sig = karras_sigmas(n, SIGMA_MIN, SIGMA_MAX, rho)
    lin = karras_sigmas(n, SIGMA_MIN, SIGMA_MAX, 1.0)  # rho = 1: plain linear spacing
    s = r.section("1. noise schedule: Karras sigmas (sigma_karras)")
    s.note(
        "sigma_i = (sigma_max^(1/rho) + i/(n-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho, with rho = 7 "
        "in Karras et al. (2022). sigma is the sd of the noise in x = x_0 + sigma eps. This is a SAMPLING "
        "schedule: the noise levels a solver visits from pure noise down to clean data (k-diffusion appends "
        "a final sigma = 0). With rho > 1 the steps shrink toward sigma_min: large jumps while the image is "
        "mostly noise, small careful ones near the end. (It does not put most steps at low noise: count the "
        "levels below sigma = 1 in the table.) DDPM's timestep t is the same idea in other units: "
        "sigma = sqrt((1 - abar_t) / abar_t), from 0.01 at t = 1 to 157 at t = 1000."
    )
    gaps = [a - b for a, b in zip(sig, sig[1:], strict=False)]  # (n - 1) step sizes
    s.table(
        ["i", f"sigma, rho={rho:g}", "step to the next", "sigma, rho=1 (linear)"],
        [[i, a, g, b] for i, (a, g, b) in enumerate(zip(sig, [*gaps, "-"], lin, strict=True))],
        title=f"{n} levels from {SIGMA_MAX:g} to {SIGMA_MIN:g}",
    )
    s.table(
        ["", f"rho={rho:g}", "rho=1"],
        [
            ["levels below sigma = 1", sum(v < 1 for v in sig), sum(v < 1 for v in lin)],
            ["first step / last step", gaps[0] / gaps[-1], (lin[0] - lin[1]) / (lin[-2] - lin[-1])],
        ],
    )
    s.plot(
        "log10 sigma",
        list(range(n)),
        rho_chosen=[math.log10(v) for v in sig],
        rho_1=[math.log10(v) for v in lin],
    )
    ref = torch.linspace(SIGMA_MAX ** (1 / rho), SIGMA_MIN ** (1 / rho), n, dtype=torch.float64) ** rho
    r.check_close(
        "formula (loop) == torch.linspace in sigma^(1/rho), raised to rho",
        torch.tensor(sig, dtype=torch.float64),
        ref,
        atol=1e-9,
    )
    r.check(
        "runs from sigma_max to sigma_min, strictly decreasing",
        math.isclose(sig[0], SIGMA_MAX) and math.isclose(sig[-1], SIGMA_MIN) and all(g > 0 for g in gaps),
        f"{sig[0]:g} .. {sig[-1]:g}",
        kind="property",
    )
    r.check(
        "the steps shrink toward sigma_min (each step no larger than the one before)",
        all(b <= a * (1 + 1e-9) for a, b in zip(gaps, gaps[1:], strict=False)),
        f"first step {gaps[0]:.3g}, last {gaps[-1]:.3g}",
        kind="property",
    )
    r.exercise(
        "second-sigma",
        "Karras sigmas with these settings: what is sigma_1, the level after sigma_max?",
        sig[1],
        given={"sigma_min": SIGMA_MIN, "sigma_max": SIGMA_MAX, "rho": rho, "n": n},
        tolerance=1e-3 * sig[1],
    )
    r.exercise(
        "below-one",
        "How many of these noise levels are below sigma = 1?",
        sum(v < 1 for v in sig),
        given={"sigma_min": SIGMA_MIN, "sigma_max": SIGMA_MAX, "rho": rho, "n": n},
    )


def lr_schedule(r: Report) -> None:
    import torch

    s = r.section("2. a learning-rate schedule: cosine annealing")
    s.note(
        "The same word for another knob (see the glossary's learning rate schedule): "
        "lr_t = lr_min + (lr_max - lr_min)(1 + cos(pi t / T)) / 2 decays the learning rate smoothly over "
        "T steps, often after a short linear warmup. torch.optim.lr_scheduler.CosineAnnealingLR computes "
        "it recursively from the previous lr; both forms are written out here."
    )
    total, lr_max, lr_min = 20, 0.1, 0.001
    closed = torch.tensor(
        [cosine_lr(t, total, lr_max, lr_min) for t in range(total + 1)], dtype=torch.float64
    )
    recursive = torch.tensor(cosine_lr_recursive(total, lr_max, lr_min), dtype=torch.float64)
    s.plot("learning rate", list(range(total + 1)), cosine=closed)
    s.table(["step", "lr"], [[t, closed[t]] for t in (0, total // 2, total)], title="start, halfway, end")
    r.check_close("closed form == CosineAnnealingLR's recursive update", closed, recursive, atol=1e-12)
