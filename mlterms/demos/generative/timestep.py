"""A timestep: how far a diffusion's noising has gone, and a position in a sequence."""

from __future__ import annotations

import math

from mlterms.demos.hand.diffusion import ddpm_betas, noise_step_by_step
from mlterms.demos.hand.rnn import rnn_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

T_MAX, N_CHAINS = 1000, 500
KEEP = [1, 10, 100, 250, 500, 1000]


@demo(
    summary="A timestep t indexes a step of a process: in diffusion, how far noising has gone, "
    "x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, so any x_t can be made from x_0 in one shot; "
    "in an RNN, the position t in the sequence.",
    params=[Param("t", "int", 250, "the diffusion timestep to look at", min=1, max=T_MAX)],
)
def run(r: Report, *, t: int) -> None:
    import torch

    betas = ddpm_betas()  # (T,) 1e-4 .. 0.02
    abar = (1 - betas).cumprod(0)  # (T,) abar_t at index t-1
    x0 = torch.tensor([1.0, 0.5, -0.5, -1.0], dtype=torch.float64)  # (D,) one data point
    keep = sorted({*KEEP, t})
    chains = noise_step_by_step(x0, betas, N_CHAINS, keep)  # {t: (n, D)}

    s = r.section("1. the diffusion forward process, step by step")
    s.note(
        "In DDPM, t = 0 is clean data and each step t = 1..1000 shrinks the signal a little and adds a "
        "little Gaussian noise: x_t = sqrt(1 - beta_t) x_(t-1) + sqrt(beta_t) eps_t, with beta rising "
        "linearly from 1e-4 to 0.02 (the noise schedule). The denoiser is also given t, so it knows how "
        "much noise to expect."
    )
    s.tensor(f"one chain: x_t at t = {', '.join(map(str, keep))}", torch.stack([chains[k][0] for k in keep]))
    every = torch.arange(0, T_MAX, 10)
    s.plot(
        "signal and noise scales over t",
        every + 1,
        signal_sqrt_abar=abar[every].sqrt(),
        noise_sqrt_1_minus_abar=(1 - abar[every]).sqrt(),
    )
    jump(r, x0, betas, abar, chains, keep)
    a = float(abar[t - 1])
    r.exercise(
        "abar-t",
        "With DDPM's betas (linear from 1e-4 to 0.02 over 1000 steps), how much of x_0's scale, "
        "sqrt(abar_t), is left at step t?",
        math.sqrt(a),
        given={"t": t, "beta_1": 1e-4, "beta_T": 0.02, "T": T_MAX},
        tolerance=1e-3,
    )
    sequence_position(r)


def jump(r: Report, x0, betas, abar, chains, keep) -> None:
    import torch

    s = r.section("2. closed form: jump to any t in one draw")
    s.note(
        "Gaussians compose, so x_t given x_0 is N(sqrt(abar_t) x_0, (1 - abar_t) I), abar_t being the "
        "product of (1 - beta_s) up to t. Training samples a random t per example and uses this jump."
    )
    scale, var, means, variances = 1.0, 0.0, [], []
    for b in betas.tolist():  # the exact moments of the step-by-step chain, one step at a time
        scale, var = math.sqrt(1 - b) * scale, (1 - b) * var + b
        means.append(scale)
        variances.append(var)
    f64 = torch.float64
    r.check_close(
        "chain moments, step by step: scale == sqrt(abar_t)",
        torch.tensor(means, dtype=f64),
        abar.sqrt(),
        1e-12,
    )
    r.check_close(
        "chain moments, step by step: variance == 1 - abar_t",
        torch.tensor(variances, dtype=f64),
        1 - abar,
        1e-12,
    )
    rows, n = [], N_CHAINS
    for t in keep:
        a = abar[t - 1]
        direct = a.sqrt() * x0 + (1 - a).sqrt() * torch.randn(n, 4).double()  # (n, D) in one draw
        sd, steps = (1 - a).sqrt(), chains[t]
        # z-scores of the difference of two independent estimates, n samples each
        z_mean = float(((steps.mean(0) - direct.mean(0)) / (sd * math.sqrt(2 / n))).abs().max())
        z_sd = float(((steps.std(0) - direct.std(0)) / (sd / math.sqrt(n))).abs().max())
        rows.append(
            [t, a, a.sqrt(), sd, steps.mean(0)[0], direct.mean(0)[0], steps.std(0)[0], direct.std(0)[0]]
        )
        r.check(
            f"t={t}: step-by-step and one-jump samples agree (means and sds within 5 s.e.)",
            z_mean < 5 and z_sd < 5,
            f"max |z| {z_mean:.2f} (mean), {z_sd:.2f} (sd)",
            kind="reference",
        )
    s.table(
        [
            "t",
            "abar_t",
            "sqrt(abar_t)",
            "sqrt(1-abar_t)",
            "mean, steps",
            "mean, jump",
            "sd, steps",
            "sd, jump",
        ],
        rows,
        title=f"x_t[0] (x_0[0] = 1), {n} samples per route; at t = 1000 almost pure noise",
    )


def sequence_position(r: Report) -> None:
    import torch

    s = r.section("3. the other timestep: a position in a sequence")
    s.note(
        "In an RNN, t is the index of a token: step t reads x_t and h_(t-1), so h_t depends on tokens "
        "1..t and on nothing after (see the recurrent neural network demo). Nothing is noised."
    )
    tokens = ["the", "cat", "sat", "down"]
    x = torch.randn(len(tokens), 3, dtype=torch.float64)  # (T, I) one vector per token
    w_ih, w_hh = torch.randn(4, 3, dtype=torch.float64), 0.5 * torch.randn(4, 4, dtype=torch.float64)
    b, h0 = torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    hs = rnn_by_hand(x, w_ih, w_hh, b, b, h0)  # (T, H)
    x2 = x.clone()
    x2[2] = torch.randn(3, dtype=torch.float64)  # change the token at t = 3 ("sat")
    moved = (rnn_by_hand(x2, w_ih, w_hh, b, b, h0) - hs).abs().amax(-1)  # (T,)
    s.table(
        ["t", "token", "max change in h_t when 'sat' changes"],
        [[i + 1, tok, moved[i]] for i, tok in enumerate(tokens)],
    )
    r.check(
        "h_t before t = 3 ignores the token at t = 3; h_3 and later see it",
        float(moved[:2].max()) == 0.0 and bool((moved[2:] > 0).all()),
        f"changes {', '.join(f'{float(m):.2g}' for m in moved)}",
        kind="property",
    )
