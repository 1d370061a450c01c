"""Denoising: corrupt on purpose, learn to undo it; the best MSE denoiser is the posterior mean."""

from __future__ import annotations

import math

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.losses import sum_squared_error
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 16  # samples per signal


def sines(n: int):
    """n random sine waves (n, D): amplitude 0.5-1.5, 1 or 2 periods, random phase."""
    import torch

    amp = 0.5 + torch.rand(n, 1)
    freq = torch.randint(1, 3, (n, 1)).float()
    phase = 2 * math.pi * torch.rand(n, 1)
    return amp * torch.sin(2 * math.pi * freq * torch.arange(D) / D + phase)


@demo(
    summary="Denoising adds noise to the data on purpose and trains a model to remove it, the clean data "
    "being its own label; with MSE the best denoiser is the posterior mean E[x0 | noisy], and a diffusion "
    "model is such a denoiser at many noise levels, equivalent up to reparametrisation and weighting.",
    params=[Param("sigma", "float", 0.3, "sd of the added noise", min=0.05, max=1.0)],
)
def run(r: Report, *, sigma: float) -> None:
    learned(r, sigma)
    gaussian(r, sigma)


def learned(r: Report, sigma: float) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    clean = sines(256)  # (N, D) training signals
    clean_test = sines(64)  # (64, D) held out
    noisy_test = clean_test + sigma * torch.randn_like(clean_test)  # fixed test noise
    net = nn.Sequential(nn.Linear(D, 32), nn.ReLU(), nn.Linear(32, D))  # noisy (D) -> clean guess (D)

    def loss():
        noisy = clean + sigma * torch.randn_like(clean)  # FRESH noise every step; the target stays clean
        return F.mse_loss(net(noisy), clean)

    losses = fit_adam(list(net.parameters()), loss, 60, 0.02)
    with torch.no_grad():
        denoised = net(noisy_test)
    mse = {
        "noisy input": float(F.mse_loss(noisy_test, clean_test)),
        "denoiser": float(F.mse_loss(denoised, clean_test)),
    }
    padded = F.pad(noisy_test[:, None], (1, 1), mode="circular")  # (64, 1, D+2): the sines are periodic
    mse["3-point moving average"] = float(F.mse_loss(F.avg_pool1d(padded, 3, stride=1)[:, 0], clean_test))

    s = r.section("1. corrupt on purpose, learn to undo it")
    s.note(
        "The training pairs are (clean + noise, clean): no labels needed, the clean data is the target. New "
        "noise is drawn at every step, so the model cannot memorise it."
    )
    s.plot("training MSE to the clean signal", list(range(0, len(losses), 5)), mse=losses[::5])
    r.check_close(
        "the training loss F.mse_loss == sum of squared errors by hand / elements",
        mse["denoiser"],
        sum_squared_error(denoised, clean_test) / denoised.numel(),
        atol=1e-5,
    )
    s = r.section("2. on new test signals")
    s.plot("one test signal", list(range(D)), clean=clean_test[0], noisy=noisy_test[0], denoised=denoised[0])
    s.table(
        ["signal", "MSE to clean"],
        [[k, v] for k, v in mse.items()],
        title=f"64 held-out signals, noise sd {sigma:g} (noisy MSE ≈ sd² = {sigma**2:.3g})",
    )
    se = sigma**2 * math.sqrt(2 / noisy_test.numel())  # s.e. of a mean of squared N(0, sigma^2) draws
    r.check_close("noisy-input MSE == sigma² (within 5 s.e.)", mse["noisy input"], sigma**2, atol=5 * se)
    r.effect(
        "the denoiser beats the noisy input and a moving average on held-out signals",
        mse["denoiser"] < min(mse["noisy input"], mse["3-point moving average"]),
        f"{mse['denoiser']:.4f} vs {mse['noisy input']:.4f}, {mse['3-point moving average']:.4f}",
    )


def gaussian(r: Report, sigma: float) -> None:
    import torch

    f64 = torch.float64
    s = r.section("3. the best denoiser, in closed form: Gaussian data")
    s.note(
        "With MSE the best possible denoiser outputs E[x0 | x], the average of every clean signal that "
        "could explain the noisy x. For Gaussian data x0 ~ N(0, C) and x = x0 + sigma eps it is linear: "
        "E[x0 | x] = C (C + sigma² I)^-1 x. Fitting a linear denoiser by least squares on many (noisy, "
        "clean) pairs, the same MSE training solved exactly, should find it. A DDPM instead sees "
        "x_t = sqrt(abar) x0 + sqrt(1 - abar) eps and predicts eps; "
        "E[x0 | x_t] = (x_t - sqrt(1 - abar) E[eps | x_t]) / sqrt(abar): the same denoiser, equivalent up to "
        "reparametrisation and the weighting of the loss across noise levels."
    )
    idx = torch.arange(D, dtype=f64)
    C = torch.exp(-((idx[:, None] - idx[None, :]) ** 2) / (2 * 2.0**2))  # (D, D) smooth signals
    L = torch.linalg.cholesky(C + 1e-9 * torch.eye(D, dtype=f64))
    n = 5000
    x0 = torch.randn(n, D, dtype=f64) @ L.T  # (n, D) clean
    x = x0 + sigma * torch.randn(n, D, dtype=f64)  # (n, D) noisy
    W_fit = torch.linalg.lstsq(x, x0).solution.T  # (D, D): argmin_W sum ||W x - x0||^2
    W_best = C @ torch.linalg.inv(C + sigma**2 * torch.eye(D, dtype=f64))  # closed form
    x0_t = torch.randn(2000, D, dtype=f64) @ L.T
    x_t = x0_t + sigma * torch.randn(2000, D, dtype=f64)  # held out
    mse_fit = float(((x_t @ W_fit.T - x0_t) ** 2).mean())
    mmse = float((C - W_best @ C).diagonal().mean())  # tr(C - C (C + s² I)^-1 C) / D
    gap = float(((x_t @ W_fit.T - x_t @ W_best.T) ** 2).mean())
    s.table(
        ["denoiser", "held-out MSE"],
        [
            ["none (noisy input)", ((x_t - x0_t) ** 2).mean()],
            ["least squares fit", mse_fit],
            ["closed-form minimum", mmse],
        ],
        title=f"{n} training pairs, noise sd {sigma:g}",
    )
    r.check(
        "the fitted denoiser == E[x0 | x] in closed form (mean squared difference < 2% of the minimum MSE)",
        gap < 0.02 * mmse,
        f"{gap:.2e} vs minimum MSE {mmse:.4f}",
        kind="reference",
    )
    a = 0.7  # sqrt(abar) at some timestep: DDPM's scaling of the signal
    b = math.sqrt(1 - a**2)
    xt = a * x0_t[:5] + b * torch.randn(5, D, dtype=f64)  # (5, D)
    K = torch.linalg.inv(a**2 * C + b**2 * torch.eye(D, dtype=f64))  # (cov of x_t)^-1
    x0_direct = xt @ (a * C @ K).T  # E[x0 | x_t] = a C (a² C + b² I)^-1 x_t
    eps_hat = xt @ (b * K).T  # E[eps | x_t] = b (a² C + b² I)^-1 x_t
    r.check_close(
        "DDPM form: (x_t - sqrt(1-abar) E[eps|x_t]) / sqrt(abar) == E[x0|x_t]",
        (xt - b * eps_hat) / a,
        x0_direct,
        atol=1e-9,
    )
    r.exercise(
        "shrink",
        "Scalar Gaussian data x0 ~ N(0, v), x = x0 + noise of sd sigma: what is E[x0 | x] for this x?",
        1.0 / (1.0 + sigma**2) * 1.5,
        given={"v": 1.0, "sigma": sigma, "x": 1.5},
        tolerance=1e-3,
    )
