"""A Bayesian neural network, approximately: a Bayesian last layer on a small trained net, whose
posterior narrows as data comes in and whose predictive sd grows away from the data."""

from __future__ import annotations

import math

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

NOISE_SD = 0.2  # the data's noise, known to the model
GRID = [-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0]  # where predictions are shown; data lies in [-2, 2]


def target(x):
    return x.sin() * 1.5 + 0.3 * x  # the function behind the data


def posterior_one_at_a_time(phi, y, prior_sd: float, noise_sd: float, keep: set[int]):
    """Bayesian linear regression on features phi (n, P), one point at a time: yesterday's posterior
    is today's prior. Prior w ~ N(0, prior_sd^2 I); y = phi w + noise. The update for a point f, y_i:
    k = S f / (noise^2 + f^T S f);  m += k (y_i - f^T m);  S -= k f^T S.
    Returns {count: (m (P,), S (P, P))} after each count in keep (0 is the prior)."""
    import torch

    P = phi.shape[1]
    m, S = torch.zeros(P, dtype=phi.dtype), prior_sd**2 * torch.eye(P, dtype=phi.dtype)
    out = {0: (m, S)} if 0 in keep else {}
    for i in range(phi.shape[0]):
        f = phi[i]  # (P,)
        Sf = S @ f  # (P,)
        k = Sf / (noise_sd**2 + f @ Sf)  # (P,) how far this point moves each weight
        m = m + k * (y[i] - f @ m)
        S = S - torch.outer(k, Sf)
        if i + 1 in keep:
            out[i + 1] = (m, S)
    return out


@demo(
    summary="A Bayesian neural network treats weights as distributions, learns a posterior from a prior "
    "and the data, and predicts a distribution: here the last layer of a small trained net is Bayesian "
    "(exact for it), its posterior narrows as n grows, and its sd grows away from the data.",
    params=[
        Param("n", "int", 32, "training points", min=8, max=256),
        Param("prior_sd", "float", 1.0, "prior sd of each last-layer weight", min=0.1, max=10.0),
    ],
)
def run(r: Report, *, n: int, prior_sd: float) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    f64 = torch.float64
    x = 4 * torch.rand(n, 1, dtype=f64) - 2  # (n, 1) inputs in [-2, 2]
    y = target(x[:, 0]) + NOISE_SD * torch.randn(n, dtype=f64)  # (n,)
    body = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU()).double()
    last = nn.Linear(16, 1).double()
    fit_adam([*body.parameters(), *last.parameters()], lambda: F.mse_loss(last(body(x))[:, 0], y), 100, 0.04)

    def features(xs):  # (k, 1) -> (k, 17): the trained body's last hidden layer, and a 1 for the bias
        with torch.no_grad():
            return torch.cat([body(xs), torch.ones(len(xs), 1, dtype=f64)], 1)

    phi = features(x)  # (n, 17)
    counts = sorted({0, max(1, n // 8), n // 4, n // 2, n})
    post = posterior_one_at_a_time(phi, y, prior_sd, NOISE_SD, set(counts))
    m, S = post[n]
    exact(r, phi, y, m, S, prior_sd)
    grid = torch.tensor(GRID, dtype=f64)[:, None]  # (G, 1)
    narrowing(r, features(grid), post, counts)
    predictive(r, features, m, S)
    r.exercise(
        "one-weight-posterior",
        "One weight w, y = w x + noise: with these x, this prior sd and noise sd, what is the posterior "
        "sd of w? (precision adds up: 1/prior_sd^2 + sum x^2 / noise_sd^2)",
        1 / math.sqrt(1 / prior_sd**2 + float((x[:4, 0] ** 2).sum()) / NOISE_SD**2),
        given={"x": x[:4, 0], "prior_sd": prior_sd, "noise_sd": NOISE_SD},
        tolerance=1e-3,
    )


def exact(r: Report, phi, y, m, S, prior_sd: float) -> None:
    import torch

    s = r.section("1. a distribution over the last layer's weights")
    s.note(
        "A full Bayesian neural network puts a distribution on every weight; its posterior has no closed "
        "form (variational inference, MC dropout, ensembles and Laplace approximate it). A cheap, common "
        "approximation keeps the trained body fixed and makes only the last layer Bayesian: with a Gaussian "
        f"prior (sd {prior_sd:g} per weight) and Gaussian noise (sd {NOISE_SD}), that layer's posterior "
        "N(m, S) is exact: S = (I/prior_sd^2 + Phi^T Phi/noise^2)^-1, m = S Phi^T y / noise^2, where Phi "
        "holds the body's 16 features (plus a 1) for each point. Computed here one point at a time."
    )
    s.tensor("posterior mean m, first 6 of 17 weights", m[:6])
    s.tensor("posterior sd of those weights", S.diagonal()[:6].sqrt())
    A = (
        torch.eye(phi.shape[1], dtype=phi.dtype) / prior_sd**2 + phi.T @ phi / NOISE_SD**2
    )  # posterior precision
    r.check_close(
        "posterior mean: one point at a time == torch.linalg.solve(precision, Phi^T y / noise^2)",
        m,
        torch.linalg.solve(A, phi.T @ y / NOISE_SD**2),
        atol=1e-6 * max(1.0, float(m.abs().max())),
    )
    r.check_close(
        "posterior covariance: one point at a time == torch.linalg.inv(precision)",
        S,
        torch.linalg.inv(A),
        atol=1e-8 * max(1.0, prior_sd**2),
    )


def narrowing(r: Report, phi_grid, post, counts) -> None:
    s = r.section("2. the posterior narrows as data comes in")
    s.note(
        "The sd from the weights alone, sqrt(phi(x)^T S phi(x)), after the first k points (0: the prior). "
        "Each point adds phi phi^T / noise^2 to the precision, so no point can widen it."
    )
    epi = {k: ((phi_grid @ S) * phi_grid).sum(-1).clamp(min=0).sqrt() for k, (_, S) in post.items()}  # (G,)
    s.table(
        ["x", *[f"sd, k={k}" for k in counts]],
        [[g, *[epi[k][i] for k in counts]] for i, g in enumerate(GRID)],
        title="data lies in [-2, 2]",
    )
    rises = [
        float((epi[b] - epi[a]).max()) for a, b in zip(counts, counts[1:], strict=False)
    ]  # largest widening from one count to the next
    r.check(
        "more data never widens the weights' sd, at any x",
        max(rises) <= 1e-9 * max(1.0, float(epi[0].max())),
        f"largest change {max(rises):.1e}",
        kind="property",
    )


def predictive(r: Report, features, m, S) -> None:
    import torch

    s = r.section("3. the predictive distribution, and averaging sampled networks")
    s.note(
        f"predictive mean = phi(x)·m; variance = noise² (sd {NOISE_SD}, aleatoric: never goes away) + "
        "phi(x)^T S phi(x) (epistemic: small near the data, growing away from it, since the ReLU features "
        "grow linearly there). The glossary's 'average many forward passes with sampled weights' gives the "
        "same numbers by Monte Carlo."
    )
    x_test = 4 * torch.rand(400, 1, dtype=torch.float64) - 2  # held out, same range as the data
    y_test = target(x_test[:, 0]) + NOISE_SD * torch.randn(400, dtype=torch.float64)
    f_test = features(x_test)
    mean_t = f_test @ m
    sd_t = (NOISE_SD**2 + ((f_test @ S) * f_test).sum(-1)).sqrt()
    covered = float(((y_test - mean_t).abs() <= 2 * sd_t).float().mean())
    grid = torch.tensor(GRID, dtype=torch.float64)[:, None]
    phi = features(grid)  # (G, 17)
    mean = phi @ m
    sd = (NOISE_SD**2 + ((phi @ S) * phi).sum(-1)).sqrt()
    N = 2000
    L = torch.linalg.cholesky(S + 1e-12 * torch.eye(len(m), dtype=S.dtype))
    w = m + torch.randn(N, len(m), dtype=torch.float64) @ L.T  # (N, 17) sampled last layers
    draws = w @ phi.T + NOISE_SD * torch.randn(N, len(GRID), dtype=torch.float64)  # (N, G) one forward each
    s.table(
        ["x", "closed-form mean", "MC mean", "closed-form sd", "MC sd"],
        [[g, mean[i], draws[:, i].mean(), sd[i], draws[:, i].std()] for i, g in enumerate(GRID)],
        title=f"{N} sampled networks",
    )
    z_mean = float(((draws.mean(0) - mean) / (sd / math.sqrt(N))).abs().max())
    z_sd = float(((draws.std(0) - sd) / (sd / math.sqrt(2 * N))).abs().max())
    r.check(
        "Monte Carlo over sampled weights == closed form (within 5 s.e.)",
        z_mean < 5 and z_sd < 5,
        f"max |z| {z_mean:.2f}, {z_sd:.2f}",
        kind="reference",
    )
    s.table(["", "value"], [["held-out points inside mean ± 2 sd", covered]], title="400 held-out points")
    inside = float(sd[2:5].max())
    outside = float(min(sd[0], sd[-1]))
    r.effect(
        "the sd at x = ±4, away from the data, exceeds the sd inside it",
        outside > inside,
        f"{outside:.3f} > {inside:.3f}",
    )
    r.effect("the mean ± 2 sd band covers at least 85% of held-out points", covered >= 0.85, f"{covered:.2f}")
