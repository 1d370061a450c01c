"""A generative adversarial network in one dimension: a generator and a discriminator in a game."""

from __future__ import annotations

import math

from mlterms.demos.hand.latent import gaussian_log_prob
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

DATA_SD = 0.5
BATCH = 64
LR = 0.1


@demo(
    summary="Generative adversarial network: a generator turns noise z into samples, a discriminator "
    "learns to tell them from real data, and the generator is trained to fool it; the generated "
    "distribution moves toward the data's.",
    params=[
        Param("steps", "int", 200, "alternating discriminator and generator steps", min=0, max=600),
        Param("data_mean", "float", 3.0, "mean of the real data, N(data_mean, 0.5^2)", min=1.0, max=4.0),
    ],
)
def run(r: Report, *, steps: int, data_mean: float) -> None:
    import torch

    theta = torch.zeros(3, dtype=torch.float64)  # discriminator: logit = c + w1 x + w2 x^2
    gen = torch.tensor([1.0, 0.0], dtype=torch.float64)  # generator: x = a z + b, starts as N(0, 1)
    losses_and_gradients(r, theta + torch.tensor([0.1, 0.5, -0.2], dtype=torch.float64), gen, data_mean)
    optimal_discriminator(r, gen, data_mean)
    train(r, theta, gen, steps, data_mean)
    x = float(torch.randint(0, 5, ()))
    r.exercise(
        "optimal-d",
        "Real data is N(mu_data, 0.5^2), the generator gives N(0, 1). What does the best possible "
        "discriminator output at x, D*(x) = p_data(x) / (p_data(x) + p_gen(x))?",
        d_star(torch.tensor([x], dtype=torch.float64), data_mean, 1.0, 0.0)[0],
        given={"x": x, "mu_data": data_mean},
        tolerance=1e-3,
    )


def features(x):
    """(1, x, x^2) per sample: a logistic discriminator on these can draw any Gaussian-vs-Gaussian
    boundary, since log p_data - log p_gen is quadratic in x. (N, 3)"""
    import torch

    return torch.stack([torch.ones_like(x), x, x * x], dim=1)


def d_grad(theta, real, fake):
    """Gradient of the discriminator's BCE (real -> 1, fake -> 0), averaged over both: F^T (p - y) / N."""
    import torch

    F = features(torch.cat([real, fake]))  # (2B, 3)
    y = torch.cat([torch.ones_like(real), torch.zeros_like(fake)])  # (2B,)
    return F.T @ (torch.sigmoid(F @ theta) - y) / len(y)


def g_grad(theta, gen, z):
    """Gradient over (a, b) of the non-saturating generator loss mean(-log D(a z + b)).

    d(-log sigmoid(s)) / dx = -(1 - D) s'(x), with s'(x) = w1 + 2 w2 x; dx/da = z, dx/db = 1."""
    import torch

    x = gen[0] * z + gen[1]  # (B,)
    dx = -(1 - torch.sigmoid(features(x) @ theta)) * (theta[1] + 2 * theta[2] * x)  # (B,)
    return torch.stack([(dx * z).mean(), dx.mean()])


def d_star(x, data_mean: float, gen_sd: float, gen_mean: float):
    """The best discriminator for fixed generator N(gen_mean, gen_sd^2): p_data / (p_data + p_gen)."""
    import torch

    def log_p(mean: float, sd: float):
        return gaussian_log_prob(x, torch.full_like(x, mean), torch.full_like(x, 2 * math.log(sd)))

    return torch.sigmoid(log_p(data_mean, DATA_SD) - log_p(gen_mean, gen_sd))


def losses_and_gradients(r: Report, theta, gen, data_mean: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("what it computes: two losses, two players")
    real = data_mean + DATA_SD * torch.randn(BATCH, dtype=torch.float64)  # (B,)
    z = torch.randn(BATCH, dtype=torch.float64)  # (B,)
    th, g = theta.clone().requires_grad_(True), gen.clone().requires_grad_(True)
    fake = g[0] * z + g[1]
    logits = features(torch.cat([real, fake])) @ th  # (2B,)
    y = torch.cat([torch.ones(BATCH), torch.zeros(BATCH)]).double()
    d_loss = F.binary_cross_entropy_with_logits(logits, y)
    g_loss = F.binary_cross_entropy_with_logits(features(fake) @ th, torch.ones(BATCH).double())
    (auto_d,) = torch.autograd.grad(d_loss, th, retain_graph=True)
    (auto_g,) = torch.autograd.grad(g_loss, g)
    hand_d, hand_g = d_grad(theta, real, (gen[0] * z + gen[1])), g_grad(theta, gen, z)
    s.note(
        "Discriminator D(x) = sigmoid(c + w1 x + w2 x^2): binary cross-entropy with real samples "
        "labelled 1 and generated ones 0. Generator x = a z + b, z ~ N(0, 1): the non-saturating "
        "loss -log D(G(z)), i.e. the same BCE with the fakes labelled 1. Each player's gradient "
        "is taken with the other held fixed."
    )
    s.table(
        ["gradient", "by hand", "autograd"],
        [[f"discriminator d/d{n}", hand_d[i], auto_d[i]] for i, n in enumerate(("c", "w1", "w2"))]
        + [[f"generator d/d{n}", hand_g[i], auto_g[i]] for i, n in enumerate(("a", "b"))],
    )
    r.check_close(
        "discriminator gradient F^T (p - y) / N == autograd of F.bce_with_logits", hand_d, auto_d, 1e-12
    )
    r.check_close(
        "generator gradient by the chain rule == autograd of -log D(a z + b)", hand_g, auto_g, 1e-12
    )


def optimal_discriminator(r: Report, gen, data_mean: float) -> None:
    import torch

    s = r.section("what the discriminator is after: D*(x) = p_data / (p_data + p_gen)")
    real = data_mean + DATA_SD * torch.randn(4000, dtype=torch.float64)
    fake = gen[0] * torch.randn(4000, dtype=torch.float64) + gen[1]
    theta = torch.zeros(3, dtype=torch.float64)
    F = features(torch.cat([real, fake]))
    for _ in range(25):  # Newton's method on the (convex) discriminator loss
        p = torch.sigmoid(F @ theta)
        hessian = F.T @ (F * (p * (1 - p))[:, None]) / len(p)
        theta = theta - torch.linalg.solve(
            hessian + 1e-9 * torch.eye(3, dtype=F.dtype), d_grad(theta, real, fake)
        )
    grid = torch.linspace(-1.0, data_mean + 1.0, 9, dtype=torch.float64)
    fitted = torch.sigmoid(features(grid) @ theta)
    best = d_star(grid, data_mean, float(gen[0]), float(gen[1]))
    s.table(
        ["x", "D fitted to 4000 + 4000 samples", "D*(x) in closed form"],
        [[grid[i], fitted[i], best[i]] for i in range(9)],
    )
    s.note(
        "Held fixed against the initial generator N(0, 1), a discriminator trained to convergence "
        "approaches D*. The generator's gradient follows D's slope, pushing samples to where D "
        "says 'real': toward the data."
    )
    worst = float((fitted - best).abs().max())
    r.check(
        "fitted discriminator == D*(x) (within 0.05)",
        worst < 0.05,
        f"max|diff| {worst:.3f}",
        kind="reference",
    )


def train(r: Report, theta, gen, steps: int, data_mean: float) -> None:
    import torch

    s = r.section(f"training: {steps} alternating steps (SGD, lr {LR}, batches of {BATCH})")
    path = [gen.clone()]
    zs = torch.randn(steps, 2, BATCH, dtype=torch.float64)  # (T, 2, B): a batch per step and player
    reals = data_mean + DATA_SD * torch.randn(steps, BATCH, dtype=torch.float64)  # (T, B)
    for z, real in zip(zs, reals, strict=True):
        theta = theta - LR * d_grad(theta, real, gen[0] * z[0] + gen[1])
        gen = gen - LR * g_grad(theta, gen, z[1])
        path.append(gen)
    means = [float(g[1]) for g in path]
    sds = [abs(float(g[0])) for g in path]
    s.plot("generator mean b and sd |a| per step", list(range(steps + 1)), mean=means, sd=sds)
    fresh = gen[0] * torch.randn(2000, dtype=torch.float64) + gen[1]  # new samples, not used in training
    data = data_mean + DATA_SD * torch.randn(2000, dtype=torch.float64)
    s.table(
        ["2000 new samples", "mean", "sd"],
        [
            ["real data", data.mean(), data.std()],
            ["generator before", 0.0, 1.0],
            ["generator after", fresh.mean(), fresh.std()],
        ],
    )
    s.note(
        "Neither player minimises a fixed loss: each step changes the other's target, so the "
        "parameters can circle and overshoot (watch the sd) instead of settling. A linear generator "
        "can only shift and scale z; real GANs use networks on both sides."
    )
    gap = abs(float(fresh.mean()) - float(data.mean()))
    r.effect(
        "the generator's mean moves toward the data: distance < 1/4 of the start's",
        gap < abs(data_mean) / 4,
        f"{gap:.3f} vs {abs(data_mean):.3f} at the start",
    )
    r.effect(
        f"its sd moves toward the data's {DATA_SD}",
        abs(float(fresh.std()) - DATA_SD) < abs(1 - DATA_SD),
        f"{float(fresh.std()):.3f}",
    )
