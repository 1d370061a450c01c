"""A diffusion model on 1-D data: noise the data step by step, learn the noise, sample back from noise."""

from __future__ import annotations

import math

from mlterms.demos.hand.diffusion import ddpm_betas, noise_step_by_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

T, N = 1000, 2000
N_FORWARD = 1000  # points noised step by step: 1000 steps of (N_FORWARD,) draws
WEIGHT, MEANS, SD = 0.7, (-2.0, 1.5), 0.4  # data: 0.3 N(-2, 0.4^2) + 0.7 N(1.5, 0.4^2)
KEEP = [10, 100, 250, 500, 1000]


def data(n: int):
    """n draws (n,) of the two-bump data: weight 1 - WEIGHT on MEANS[0], WEIGHT on MEANS[1]."""
    import torch

    right = torch.rand(n) < WEIGHT
    centre = torch.where(right, MEANS[1], MEANS[0]).double()
    return centre + SD * torch.randn(n, dtype=torch.float64)


def log_density(x, a: float):
    """log q_t(x) of the noised data, abar_t = a: each bump becomes N(sqrt(a) mu, a SD^2 + 1 - a); (n,)."""
    import torch

    v = a * SD**2 + 1 - a
    parts = [
        math.log(w) - 0.5 * (x - math.sqrt(a) * m) ** 2 / v - 0.5 * math.log(2 * math.pi * v)
        for w, m in zip((1 - WEIGHT, WEIGHT), MEANS, strict=True)
    ]
    return torch.logaddexp(*parts)


def best_eps(x, a: float):
    """E[eps | x_t = x] for this data at abar_t = a: what a perfectly trained network predicts; (n,).

    Given the bump k, eps and x_t are jointly Gaussian: E[eps | x_t, k] = sqrt(1-a) (x - sqrt(a) mu_k) / v.
    Average over k with the posterior weight of each bump (both bumps have the same variance v)."""
    import torch

    v, (m0, m1) = a * SD**2 + 1 - a, (math.sqrt(a) * m for m in MEANS)
    logit = math.log(WEIGHT / (1 - WEIGHT)) - ((x - m1) ** 2 - (x - m0) ** 2) / (2 * v)
    w1 = torch.sigmoid(logit)  # P(bump 1 | x_t)
    return math.sqrt(1 - a) * (x - (1 - w1) * m0 - w1 * m1) / v


@demo(
    summary="A diffusion model adds Gaussian noise to the data step by step until only noise is left, "
    "and a network learns to undo it: trained to predict the added noise eps from x_t and t (MSE), it "
    "samples by starting from pure noise and denoising step by step.",
    params=[Param("steps", "int", 100, "sampling steps (the model is trained on T = 1000)", min=10, max=T)],
)
def run(r: Report, *, steps: int) -> None:
    betas = ddpm_betas()  # (T,) DDPM's linear schedule
    abar = (1 - betas).cumprod(0).tolist()  # abar_t at index t-1
    forward(r, betas, abar)
    training(r, abar)
    sampling(r, abar, steps)


def forward(r: Report, betas, abar: list[float]) -> None:
    n = N_FORWARD
    x0 = data(n)  # (n,)
    m0, v0 = 0.3 * MEANS[0] + 0.7 * MEANS[1], SD**2 + 0.3 * 0.7 * (MEANS[1] - MEANS[0]) ** 2
    s = r.section("1. the forward process: noise a whole data set, step by step")
    s.note(
        f"The data: two bumps, 0.3 N({MEANS[0]:g}, {SD:g}^2) + 0.7 N({MEANS[1]:g}, {SD:g}^2) (mean {m0:g}, "
        f"variance {v0:g}). Each step x_t = sqrt(1 - beta_t) x_(t-1) + sqrt(beta_t) eps_t (DDPM's betas, see "
        f"noise schedule). The timestep demo follows ONE x_0; here the whole distribution moves: the mean "
        f"shrinks to sqrt(abar_t) m, the variance goes to abar_t v + 1 - abar_t, and the two bumps melt into "
        f"N(0, 1): only noise is left."
    )
    chains = noise_step_by_step(x0[:, None], betas, n, KEEP)  # {t: (n, 1)}
    rows, worst = [], 0.0
    for t in KEEP:
        a, x = abar[t - 1], chains[t][:, 0]
        mean, var = math.sqrt(a) * m0, a * v0 + 1 - a  # the closed form of q(x_t)
        se_var = math.sqrt(float(((x - x.mean()) ** 4).mean() - x.var() ** 2) / n)  # s.e. of a variance
        z = max(abs(float(x.mean()) - mean) / math.sqrt(var / n), abs(float(x.var()) - var) / se_var)
        worst = max(worst, z)
        rows.append([t, a, x.mean(), mean, x.var(), var, (x > 0).double().mean()])
    s.table(
        ["t", "abar_t", "mean, steps", "mean, closed", "var, steps", "var, closed", "share > 0"],
        rows,
        title=f"{n} data points noised one step at a time",
    )
    r.check(
        f"the data noised step by step has q(x_t)'s closed-form mean and variance at t = "
        f"{', '.join(map(str, KEEP))} (within 5 s.e.)",
        worst < 5,
        f"max |z| {worst:.2f}",
        kind="reference",
    )
    r.exercise(
        "forward-sd",
        "Data of variance v, noised to a step where abar_t is given: what is the sd of x_t?",
        math.sqrt(abar[249] * v0 + 1 - abar[249]),
        given={"v": v0, "abar_t": abar[249]},
        tolerance=1e-3,
    )


def training(r: Report, abar: list[float]) -> None:
    import torch

    s = r.section("2. training: predict the noise that was added")
    s.note(
        "Training takes a data point x_0, a random t and fresh eps ~ N(0, 1), makes x_t = sqrt(abar_t) x_0 + "
        "sqrt(1 - abar_t) eps in one shot, and asks the network eps_theta(x_t, t) for eps: loss = "
        "(eps_theta(x_t, t) - eps)^2. The best any network can do under MSE is E[eps | x_t], and for this "
        "data it has a closed form, so it stands in for a perfectly trained network here (no net is "
        "trained). It is also the score, scaled: E[eps | x_t] = -sqrt(1 - abar_t) d/dx log q_t(x)."
    )
    x0 = data(8)
    t = torch.randint(1, T + 1, (8,))
    a = torch.tensor([abar[k - 1] for k in t.tolist()], dtype=torch.float64)
    eps = torch.randn(8, dtype=torch.float64)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    best = torch.stack([best_eps(xt[i : i + 1], float(a[i]))[0] for i in range(8)])
    s.table(
        ["t", "x_0", "eps (target)", "x_t", "E[eps | x_t]"],
        [[int(t[i]), x0[i], eps[i], xt[i], best[i]] for i in range(8)],
        title="a training batch",
    )
    probe_t, n = 300, 40000
    a3 = abar[probe_t - 1]
    x0, eps = data(n), torch.randn(n, dtype=torch.float64)
    xt = math.sqrt(a3) * x0 + math.sqrt(1 - a3) * eps  # (n,)
    bins = xt.argsort().reshape(20, -1)  # 20 bins of x_t, n / 20 samples each
    mc = eps[bins].mean(1)  # (20,) the average target in each bin
    closed = best_eps(xt[bins], a3).mean(1)  # (20,)
    se = eps[bins].std(1) / math.sqrt(bins.shape[1])
    s.table(
        ["bin of x_t", "mean x_t", "mean eps (Monte Carlo)", "mean E[eps | x_t] (closed)"],
        [[i, xt[bins[i]].mean(), mc[i], closed[i]] for i in range(0, 20, 3)],
        title=f"t = {probe_t}: {n} pairs sorted into 20 bins of x_t",
    )
    z = float(((mc - closed) / se).abs().max())
    r.check("closed-form E[eps | x_t] == the Monte-Carlo average of eps given x_t (within 5 s.e.)", z < 5,
            f"max |z| {z:.2f} over 20 bins", kind="reference")  # fmt: skip
    closed_all = best_eps(xt, a3)  # (n,)
    loss = {"predict 0": float((eps**2).mean()), "E[eps | x_t]": float(((closed_all - eps) ** 2).mean())}
    s.table(["eps_theta", f"training loss at t = {probe_t}"], [[k, v] for k, v in loss.items()])
    x = xt[:6].clone().requires_grad_()
    (score,) = torch.autograd.grad(log_density(x, a3).sum(), x)
    r.check_close("E[eps | x_t] == -sqrt(1 - abar_t) * autograd score d/dx log q_t(x)",
                  closed_all[:6], -math.sqrt(1 - a3) * score, atol=1e-9)  # fmt: skip
    r.exercise(
        "noise-added",
        "A training pair: x_0, x_t and abar_t are given. What eps was added (the network's target)?",
        (float(xt[0]) - math.sqrt(a3) * float(x0[0])) / math.sqrt(1 - a3),
        given={"x_0": float(x0[0]), "x_t": float(xt[0]), "abar_t": a3},
        tolerance=1e-3,
    )


def sampling(r: Report, abar: list[float], steps: int) -> None:
    import torch

    s = r.section("3. sampling: from pure noise back to the data, step by step")
    s.note(
        f"Start from x ~ N(0, 1) at t = {T} and step down through {steps} of the {T} timesteps (DDPM itself "
        "visits all 1000; respacing visits fewer, with the betas of the jumps, beta' = 1 - abar_t / abar_s). "
        "One step from t to s < t: x_s = (x_t - beta' / sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(1 - beta') "
        "+ sigma z, with sigma^2 = beta' (1 - abar_s) / (1 - abar_t) and no noise on the last step. With the "
        "exact E[eps | x_t] its mean is E[x_s | x_t], the best guess of the cleaner x_s."
    )
    ts = sorted({round(v) for v in torch.linspace(T, 1, steps).tolist()}, reverse=True)
    x = torch.randn(N, dtype=torch.float64)  # (N,) pure noise
    ref = data(N)  # fresh data to compare with
    track, probes = [[T, ks_distance(x, ref)]], []
    for i, t in enumerate(ts):
        a, a_s = abar[t - 1], (abar[ts[i + 1] - 1] if i + 1 < len(ts) else 1.0)
        b = 1 - a / a_s
        mean = (x - b / math.sqrt(1 - a) * best_eps(x, a)) / math.sqrt(1 - b)
        if i in (0, len(ts) // 2, len(ts) - 1):
            probes.append((t, a, a_s, x[:4].clone(), mean[:4]))
        x = (
            mean + math.sqrt(b * (1 - a_s) / (1 - a)) * torch.randn(N, dtype=torch.float64)
            if a_s < 1
            else mean
        )
        if (i + 1) % max(1, len(ts) // 5) == 0 or i + 1 == len(ts):  # about every fifth of the way
            track.append([ts[i + 1] if i + 1 < len(ts) else 0, ks_distance(x, ref)])
    worst = max(float((mean - posterior_mean(xt, a, a_s)).abs().max()) for _, a, a_s, xt, mean in probes)
    r.check(
        f"one reverse step's mean with the exact eps == E[x_s | x_t] by numerical integration (t = "
        f"{', '.join(str(p[0]) for p in probes)})",
        worst < 1e-6,
        f"max|diff| {worst:.1e}",
        kind="reference",
    )
    s.table(["t", "distance to the data (KS)"], track, title="the samples on the way down")
    grid = torch.linspace(-4, 4, 41, dtype=torch.float64)
    s.plot("density: samples and data", grid, samples=histogram(x, grid), data=log_density(grid, 1.0).exp())
    start, end, noise = track[0][1], track[-1][1], 1.63 * math.sqrt(2 / N)
    s.note(
        f"Two sets of {N} fresh data points differ by a KS distance above {noise:.3f} only 1% of the time; "
        "what the samples add to that is the error of taking fewer, larger steps (turn the steps knob)."
    )
    r.effect(
        "sampling from pure noise lands near the data: KS distance to fresh data below 0.1, "
        "at most a quarter of where it started",
        end < 0.1 and end < start / 4,
        f"{end:.3f} vs {start:.3f} at the start",
    )


def posterior_mean(xt, a: float, a_s: float):
    """E[x_s | x_t] by a Riemann sum over a grid of x_s: q_s(x_s) N(x_t; sqrt(a/a_s) x_s, 1 - a/a_s); (n,)."""
    import torch

    g = torch.linspace(-8, 8, 16001, dtype=torch.float64)  # (G,) x_s values, spacing 1e-3
    keep, b = a / a_s, 1 - a / a_s
    log_w = log_density(g, a_s) - 0.5 * (xt[:, None] - math.sqrt(keep) * g) ** 2 / b  # (n, G)
    w = (log_w - log_w.amax(1, keepdim=True)).exp()
    return (w * g).sum(1) / w.sum(1)


def ks_distance(x, y) -> float:
    """Kolmogorov-Smirnov: the largest gap between the two empirical CDFs."""
    import torch

    both = torch.cat([x, y]).sort().values
    fx = torch.searchsorted(x.sort().values, both, right=True) / len(x)
    fy = torch.searchsorted(y.sort().values, both, right=True) / len(y)
    return float((fx - fy).abs().max())


def histogram(x, grid):
    """The density of the samples x at each grid point, from counts in bins centred on the grid."""
    import torch

    width = float(grid[1] - grid[0])
    edges = torch.cat([grid - width / 2, grid[-1:] + width / 2])
    return torch.histogram(x, edges).hist / (len(x) * width)
