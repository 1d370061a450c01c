"""DDPM's forward process by hand: the beta schedules and noising one step at a time."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def ddpm_betas(T: int = 1000, start: float = 1e-4, end: float = 0.02) -> torch.Tensor:
    """DDPM's linear noise schedule (Ho et al., 2020): beta_1..beta_T, a (T,) float64 tensor.

    For another T, improved-diffusion scales both ends by 1000 / T, which keeps the area under
    the beta curve (and so the signal left at t = T) about the same."""
    import torch

    return torch.linspace(start, end, T, dtype=torch.float64)


def cosine_abar(t: torch.Tensor, T: int, s: float = 0.008) -> torch.Tensor:
    """Nichol & Dhariwal (2021): abar(t) = f(t) / f(0), f(t) = cos^2(pi/2 (t/T + s) / (1 + s)); same shape as t."""
    f = (math.pi / 2 * (t / T + s) / (1 + s)).cos() ** 2
    return f / math.cos(math.pi / 2 * s / (1 + s)) ** 2


def cosine_betas(T: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """The betas that give cosine_abar: beta_t = 1 - abar(t) / abar(t-1), clipped at max_beta; (T,) float64."""
    import torch

    abar = cosine_abar(torch.arange(T + 1, dtype=torch.float64), T, s)  # (T+1,) abar(0) = 1 .. abar(T) = 0
    return (1 - abar[1:] / abar[:-1]).clamp(max=max_beta)


def noise_step_by_step(x0: torch.Tensor, betas: torch.Tensor, n: int, keep: list[int]) -> dict:
    """n chains x_t = sqrt(1 - beta_t) x_(t-1) + sqrt(beta_t) eps_t from x0, (D,) or (n, D);
    the samples (n, D) at each t in keep."""
    import torch

    shrink, scale = (1 - betas).sqrt().tolist(), betas.sqrt().tolist()
    eps = torch.randn(max(keep), n, x0.shape[-1]).double()  # (t, n, D): float32 draws are faster
    x, out = x0.expand(n, -1), {}  # (n, D)
    for t in range(1, max(keep) + 1):
        x = torch.add(shrink[t - 1] * x, eps[t - 1], alpha=scale[t - 1])
        if t in keep:
            out[t] = x
    return out
