"""A noise schedule for training: DDPM's linear betas against the cosine schedule, by abar and SNR."""

from __future__ import annotations

import math

from mlterms.demos.hand.diffusion import cosine_abar, cosine_betas, ddpm_betas
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

FRACTIONS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]  # t / T shown in the tables
NEAR_NOISE = 0.01  # abar below this: under 1% of the signal's power is left


@demo(
    summary="A noise schedule says how much noise a diffusion model has at each timestep, as beta_t: "
    "DDPM's betas rise linearly from 1e-4 to 0.02 and abar_t is the product of (1 - beta_s); the cosine "
    "schedule keeps more signal in the early and middle steps.",
    params=[Param("T", "int", 1000, "number of diffusion steps", min=50, max=4000)],
)
def run(r: Report, *, T: int) -> None:
    import torch

    scale = 1000 / T  # improved-diffusion's rule for the linear schedule at another T
    betas = {"linear": ddpm_betas(T, 1e-4 * scale, 0.02 * scale), "cosine": cosine_betas(T)}  # (T,) each
    abar = {name: (1 - b).cumprod(0) for name, b in betas.items()}  # (T,) abar_t at index t-1
    t = torch.arange(1, T + 1, dtype=torch.float64)  # (T,)
    linear_schedule(r, betas["linear"], abar["linear"], t, T)
    cosine_schedule(r, betas["cosine"], abar["cosine"], t, T)
    signal_to_noise(r, abar, T)


def linear_schedule(r: Report, betas, abar, t, T: int) -> None:
    s = r.section("1. DDPM's linear schedule: abar_t is about exp(-area under beta)")
    s.note(
        f"beta_t is the variance of the noise added at step t; 1 - beta_t is the signal's power kept, so "
        f"abar_t = (1 - beta_1)...(1 - beta_t) is the power of x_0 left in x_t (timestep demo: x_t = "
        f"sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps). With small betas, log(1 - beta) ~ -beta, so abar_t ~ "
        f"exp(-(beta_1 + ... + beta_t)): the area under the beta line, t beta_1 + (beta_T - beta_1) "
        f"t(t-1) / (2(T-1)). Exactly, -beta - beta^2/(2(1-beta)) <= log(1-beta) <= -beta. Here T = {T}, "
        f"with both ends of DDPM's 1e-4 .. 0.02 scaled by 1000/T, which keeps the area, and so abar_T, "
        f"about the same."
    )
    area = t * betas[0] + (betas[-1] - betas[0]) * t * (t - 1) / (2 * (T - 1))  # (T,) sum of betas, closed
    slack = (betas**2 / (2 * (1 - betas))).cumsum(0)  # (T,) the bound's second-order term
    log_abar = abar.log()
    s.table(
        ["t", "beta_t", "abar_t (product)", "exp(-area)"],
        [[k, betas[k - 1], abar[k - 1], (-area[k - 1]).exp()] for k in shown_steps(T)],
    )
    r.check(
        "linear: log abar_t (cumulative product) lies in [-area - slack, -area] (area in closed form)",
        bool(((log_abar <= -area + 1e-12) & (log_abar >= -area - slack - 1e-12)).all()),
        f"at t = T: {float(log_abar[-1]):.4f} in [{float(-area[-1] - slack[-1]):.4f}, {float(-area[-1]):.4f}]",
        kind="reference",
    )


def cosine_schedule(r: Report, betas, abar, t, T: int) -> None:
    s = r.section("2. the cosine schedule: abar_t in closed form, betas derived")
    s.note(
        "Nichol & Dhariwal (2021) write abar directly: abar(t) = f(t) / f(0), f(t) = cos^2(pi/2 (t/T + s) / "
        "(1 + s)), s = 0.008, and derive beta_t = 1 - abar(t) / abar(t-1). f(T) = 0 would make beta_T = 1 "
        "(no signal at all), so the betas are clipped at 0.999: the last step keeps a sliver of signal. "
        "The forward process uses the betas, so their product must give back the closed form."
    )
    closed = cosine_abar(t, T)  # (T,)
    s.table(
        ["t", "beta_t", "abar_t (product of 1 - beta)", "abar_t (closed form)"],
        [[k, betas[k - 1], abar[k - 1], closed[k - 1]] for k in shown_steps(T)],
    )
    r.check_close("cosine: cumulative product of (1 - beta_t) == closed-form abar_t", abar, closed, atol=1e-5)
    r.check(
        "both schedules: 0 < abar_t < 1 and strictly decreasing (every beta_t > 0)",
        bool((betas > 0).all() and (abar > 0).all() and (abar < 1).all() and (abar.diff() < 0).all()),
        f"cosine abar from {float(abar[0]):.6f} to {float(abar[-1]):.2e}",
        kind="property",
    )
    r.exercise(
        "cosine-abar",
        "With the cosine schedule (s = 0.008), how much of x_0's power, abar_t, is left at step t?",
        float(closed[T // 2 - 1]),
        given={"t": T // 2, "T": T, "s": 0.008},
        tolerance=1e-3,
    )


def signal_to_noise(r: Report, abar: dict, T: int) -> None:
    import torch

    s = r.section("3. signal-to-noise ratio per step: where the two schedules spend their steps")
    s.note(
        "SNR_t = abar_t / (1 - abar_t), the power of the signal over that of the noise in x_t; sigma_t = "
        "1 / sqrt(SNR_t) is the same level in the units of the schedule demo (x = x_0 + sigma eps), whose "
        "Karras sigmas are a SAMPLING schedule from 80 down to 0.002. The schedule used for training and "
        "the one used for sampling can differ: a sampler only needs the levels, not the betas. The linear "
        "schedule destroys the signal fast and spends its last third near pure noise, steps that teach "
        "little; the cosine schedule's log SNR falls about linearly through the middle and keeps more "
        "signal at every step but the very last ones."
    )
    snr = {k: a / (1 - a) for k, a in abar.items()}  # (T,) each
    rows = []
    for k in shown_steps(T):
        lin, cos = abar["linear"][k - 1], abar["cosine"][k - 1]
        rows.append([k, lin, cos, snr["linear"][k - 1].log10(), snr["cosine"][k - 1].log10()])
    s.table(["t", "abar linear", "abar cosine", "log10 SNR linear", "log10 SNR cosine"], rows)
    every = torch.arange(0, T, max(1, T // 100))
    s.plot("log10 SNR_t", every + 1, **{k: v[every].log10() for k, v in snr.items()})
    near = {k: int((a < NEAR_NOISE).sum()) for k, a in abar.items()}
    s.table(
        ["schedule", f"steps with abar_t < {NEAR_NOISE:g}", "share of the T steps", "sigma_1", "sigma_T"],
        [[k, near[k], near[k] / T, snr[k][0] ** -0.5, snr[k][-1] ** -0.5] for k in abar],
    )
    early = int(0.99 * T)  # all but the last 1% of the steps
    lead = abar["cosine"][:early] / abar["linear"][:early]
    r.check(
        "cosine keeps more signal than linear at every step before the last 1% (abar cosine > abar linear)",
        bool((lead > 1).all()),
        f"ratio cosine / linear: {float(lead.min()):.3f} at least, {float(lead[T // 2 - 1]):.3g} at t = T/2",
        kind="property",
    )
    r.check(
        "linear spends at least 3x as many steps near pure noise (abar_t < 0.01) as cosine",
        near["linear"] >= 3 * near["cosine"],
        f"{near['linear']} vs {near['cosine']} of {T}",
        kind="property",
    )
    a = float(abar["linear"][T // 4 - 1])
    r.exercise(
        "sigma-from-abar",
        "At this step abar_t is given: what is the noise level sigma_t = sqrt((1 - abar_t) / abar_t)?",
        math.sqrt((1 - a) / a),
        given={"abar_t": a},
        tolerance=1e-3 * math.sqrt((1 - a) / a),
    )


def shown_steps(T: int) -> list[int]:
    """The timesteps the tables show: 1, then the FRACTIONS of T."""
    return sorted({1, *(max(1, round(f * T)) for f in FRACTIONS)})
