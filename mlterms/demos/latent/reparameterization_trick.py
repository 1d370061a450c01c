"""The reparameterization trick: sample z = mu + sigma * eps, so the gradient reaches mu and sigma."""

from __future__ import annotations

import math

from mlterms.demos.hand.latent import reparameterize
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="The reparameterization trick: write a sample of N(mu, sigma^2) as z = mu + sigma * eps with "
    "eps ~ N(0, 1) drawn separately, so gradients of an expectation flow back to mu and sigma through z.",
    params=[
        Param("mu", "float", 0.5, "mean of the Gaussian", min=-3.0, max=3.0),
        Param("sigma", "float", 1.0, "standard deviation of the Gaussian", min=0.1, max=3.0),
        Param("samples", "int", 2000, "Monte Carlo samples per gradient estimate", min=200, max=20000),
    ],
)
def run(r: Report, *, mu: float, sigma: float, samples: int) -> None:
    import torch

    flow(r, mu, sigma)
    estimate(r, mu, sigma, samples)
    eps = torch.randn(3, dtype=torch.float64).round(decimals=2)
    r.exercise(
        "sample-from-eps",
        "With mu and sigma as given, which z does each eps make (z = mu + sigma * eps)?",
        mu + sigma * eps,
        given={"mu": mu, "sigma": sigma, "eps": eps},
        tolerance=1e-3,
    )
    r.exercise(
        "gradient-of-mean-square",
        "For f(z) = z^2, E[f] = mu^2 + sigma^2. What is d E[f] / d sigma?",
        2 * sigma,
        given={"mu": mu, "sigma": sigma},
        tolerance=1e-3,
    )


def f(z):
    """The function whose expectation is differentiated: z^2 + sin(z)."""
    return z**2 + z.sin()


def expected_f_and_grad(mu: float, sigma: float) -> tuple[float, float, float]:
    """E[z^2 + sin z] for z ~ N(mu, sigma^2) = mu^2 + sigma^2 + sin(mu) e^(-sigma^2 / 2), and its
    derivatives by mu and sigma, in closed form."""
    damp = math.exp(-(sigma**2) / 2)
    value = mu**2 + sigma**2 + math.sin(mu) * damp
    return value, 2 * mu + math.cos(mu) * damp, 2 * sigma - sigma * math.sin(mu) * damp


def flow(r: Report, mu: float, sigma: float) -> None:
    import torch
    from torch.distributions import Normal

    s = r.section("where the gradient flows")
    m = torch.tensor(mu, dtype=torch.float64, requires_grad=True)
    sd = torch.tensor(sigma, dtype=torch.float64, requires_grad=True)
    state = torch.get_rng_state()
    eps = torch.randn(5, dtype=torch.float64)  # (5,) the randomness, drawn outside the graph
    z_hand = reparameterize(m, 2 * sd.log(), eps)  # (5,) logvar = 2 log sigma
    torch.set_rng_state(state)
    z_rsample = Normal(m, sd).rsample((5,))  # (5,) the same eps, drawn by torch.distributions
    torch.set_rng_state(state)
    z_sample = Normal(m, sd).sample((5,))  # (5,) no graph at all
    z_normal = torch.normal(m.expand(5), sd.expand(5))  # (5,) a graph, but a zero gradient
    (g_normal,) = torch.autograd.grad(f(z_normal).mean(), m)
    s.tensor("eps", eps)
    s.tensor("z = mu + sigma * eps", z_hand)
    rows = []
    for name, z in [
        ("mu + sigma * eps", z_hand),
        ("Normal.rsample()", z_rsample),
        ("Normal.sample()", z_sample),
    ]:
        grads = torch.autograd.grad(f(z).mean(), (m, sd)) if z.requires_grad else (None, None)
        rows.append([name, z.requires_grad, *(float(g) if g is not None else "none" for g in grads)])
    rows.append(["torch.normal(mu, sigma)", z_normal.requires_grad, float(g_normal), "(zero)"])
    s.table(["how z is drawn", "z has a graph", "d mean f / d mu", "d mean f / d sigma"], rows)
    s.note(
        "f(z) = z^2 + sin(z). sample() runs under no_grad: the result is a constant, so nothing "
        "upstream can learn. torch.normal keeps a graph but defines the gradient as 0. Written as "
        "mu + sigma * eps, z is an ordinary function of mu and sigma, and dz/dmu = 1, dz/dsigma = "
        "eps; rsample() is exactly this."
    )
    r.check_close("mu + sigma * eps == Normal(mu, sigma).rsample() (same eps)", z_hand, z_rsample, atol=1e-12)
    r.check_close("Normal.sample() draws the same values", z_sample, z_hand.detach(), atol=1e-12)
    r.check(
        "sample() has no gradient path, rsample() has one",
        not z_sample.requires_grad and z_rsample.grad_fn is not None,
        f"sample grad_fn {z_sample.grad_fn}, rsample grad_fn {type(z_rsample.grad_fn).__name__}",
        kind="property",
    )
    r.check_close("torch.normal(mu, sigma) passes a zero gradient to mu", g_normal, 0.0, 0.0, kind="property")


def estimate(r: Report, mu: float, sigma: float, samples: int) -> None:
    import torch

    s = r.section(f"the gradient of E[f(z)], estimated from {samples} samples")
    m = torch.tensor(mu, dtype=torch.float64, requires_grad=True)
    sd = torch.tensor(sigma, dtype=torch.float64, requires_grad=True)
    eps = torch.randn(samples, dtype=torch.float64)  # (S,)
    z = reparameterize(m, 2 * sd.log(), eps)  # (S,)
    g_mu, g_sd = torch.autograd.grad(f(z).mean(), (m, sd))
    zd = z.detach()
    fprime = 2 * zd + zd.cos()  # (S,) per-sample gradients: f'(z) by mu, f'(z) eps by sigma
    per_mu, per_sd = fprime, fprime * eps
    # the score-function (REINFORCE) estimator: f(z) d log q(z) / d theta, no derivative of f
    score_mu = f(zd) * (zd - mu) / sigma**2
    score_sd = f(zd) * ((zd - mu) ** 2 / sigma**3 - 1 / sigma)
    _, true_mu, true_sd = expected_f_and_grad(mu, sigma)
    se = [float(v.std() / math.sqrt(samples)) for v in (per_mu, per_sd, score_mu, score_sd)]
    s.table(
        ["estimator", "d/dmu", "d/dsigma", "per-sample sd (mu)", "per-sample sd (sigma)"],
        [
            ["closed form", true_mu, true_sd, 0.0, 0.0],
            ["reparameterized (autograd)", g_mu, g_sd, per_mu.std(), per_sd.std()],
            ["score function", score_mu.mean(), score_sd.mean(), score_mu.std(), score_sd.std()],
        ],
    )
    s.note(
        "E[z^2 + sin z] = mu^2 + sigma^2 + sin(mu) e^(-sigma^2 / 2), so the true gradient is known. "
        "Both estimators are unbiased, but the score function ignores f's slope and only weighs "
        "f(z) by how likely z was, so its estimates scatter far more: that is why VAEs use the trick."
    )
    r.check_close(
        "autograd through z == the mean of f'(z) and f'(z) eps",
        torch.stack([g_mu, g_sd]),
        torch.stack([per_mu.mean(), per_sd.mean()]),
        1e-10,
    )
    z_mu, z_sd = (float(g_mu) - true_mu) / se[0], (float(g_sd) - true_sd) / se[1]
    r.check(
        "reparameterized estimate == closed-form gradient (within 4.5 standard errors)",
        abs(z_mu) < 4.5 and abs(z_sd) < 4.5,
        f"z-scores {z_mu:.2f}, {z_sd:.2f}",
        kind="reference",
    )
    ratio = se[2] / se[0]
    r.effect(
        "the reparameterized estimate of d/dmu varies < 1/2 as much as the score function's",
        ratio > 2,
        f"sd ratio {ratio:.1f}",
    )
