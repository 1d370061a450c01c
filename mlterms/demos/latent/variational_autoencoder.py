"""The variational autoencoder: an encoder to q(z | x), a decoder to p(x | z), trained on the ELBO."""

from __future__ import annotations

import math

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.latent import gaussian_kl, gaussian_log_prob, reparameterize
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D, K = 5, 2  # data and latent dimensions
N_TRAIN, N_HELD = 200, 500


@demo(
    summary="Variational autoencoder: the encoder maps x to a Gaussian q(z | x), a sample z (by the "
    "reparameterization trick) is decoded to p(x | z), and training maximises the ELBO = "
    "E_q[log p(x | z)] - KL(q(z | x) || N(0, I)), a lower bound on log p(x).",
    params=[
        Param("steps", "int", 60, "Adam steps on the ELBO", min=20, max=1000),
        Param("noise", "float", 0.3, "sd of the noise in the data", min=0.1, max=1.0),
    ],
)
def run(r: Report, *, steps: int, noise: float) -> None:
    import torch

    W = torch.randn(K, D, dtype=torch.float64)  # (K, D) how the hidden factors make the data
    train, held = (
        torch.randn(n, K, dtype=torch.float64) @ W + noise * torch.randn(n, D, dtype=torch.float64)
        for n in (N_TRAIN, N_HELD)
    )
    params = {
        "enc_w": 0.1 * torch.randn(D, K, dtype=torch.float64),
        "enc_b": torch.zeros(K, dtype=torch.float64),
        "enc_logvar": torch.zeros(K, dtype=torch.float64),
        "dec_w": 0.1 * torch.randn(K, D, dtype=torch.float64),
        "dec_b": torch.zeros(D, dtype=torch.float64),
        "dec_logvar": torch.zeros(1, dtype=torch.float64),
    }
    terms(r, params, train)
    before = bound_and_likelihood(params, held)
    for p in params.values():
        p.requires_grad_(True)
    losses = fit_adam(list(params.values()), lambda: -elbo_estimate(params, train), steps, 0.15)
    after = {k: v.detach() for k, v in params.items()}
    trained(r, losses, before, bound_and_likelihood(after, held), independent_baseline(train, held))
    mu, logvar = torch.randn(2, dtype=torch.float64).round(decimals=1)
    r.exercise(
        "kl-to-prior",
        "q(z | x) = N(mu, exp(logvar)) in one dimension. What is KL(q || N(0, 1))?",
        gaussian_kl(mu, logvar, torch.zeros(()), torch.zeros(())),
        given={"mu": mu, "logvar": logvar},
        tolerance=1e-3,
    )


def encode(p, x):
    """q(z | x) = N(x We + be, exp(enc_logvar)): means (N, K) and log-variances (N, K)."""
    mu = x @ p["enc_w"] + p["enc_b"]
    return mu, p["enc_logvar"].expand_as(mu)


def elbo_estimate(p, x):
    """The mean over x of log p(x | z) - KL(q(z | x) || N(0, I)), z drawn by the trick (1 sample each)."""
    import torch

    mu, logvar = encode(p, x)
    z = reparameterize(mu, logvar, torch.randn_like(mu))  # (N, K)
    recon = gaussian_log_prob(x, z @ p["dec_w"] + p["dec_b"], p["dec_logvar"].expand_as(x)).sum(1)  # (N,)
    kl = gaussian_kl(mu, logvar, torch.zeros_like(mu), torch.zeros_like(mu)).sum(1)  # (N,)
    return (recon - kl).mean()


def exact_elbo(p, x):
    """The ELBO per point in closed form (the decoder is linear, so E_q[log p(x | z)] has one). (N,)"""
    import torch

    mu, logvar = encode(p, x)
    var_dec = p["dec_logvar"].exp()
    mean = mu @ p["dec_w"] + p["dec_b"]  # (N, D)
    spread = (logvar.exp() @ (p["dec_w"] ** 2)).sum(1)  # (N,) tr(W^T diag(var_q) W)
    recon = -0.5 * (
        D * math.log(2 * math.pi) + D * p["dec_logvar"] + (((x - mean) ** 2).sum(1) + spread) / var_dec
    )
    kl = gaussian_kl(mu, logvar, torch.zeros_like(mu), torch.zeros_like(mu)).sum(1)
    return recon - kl


def log_likelihood(p, x):
    """log p(x) of the decoder's model, x ~ N(dec_b, W^T W + var I): the quantity the ELBO bounds. (N,)

    By Cholesky, C = L L^T: log N(x) = -(D log 2 pi + log det C + |L^-1 (x - b)|^2) / 2.
    (torch.distributions.MultivariateNormal gives the same, but on torch 2.13 its shape
    broadcasting imports sympy, 0.7 s of a 3 s demo.)"""
    import torch

    cov = p["dec_w"].T @ p["dec_w"] + p["dec_logvar"].exp() * torch.eye(D, dtype=x.dtype)  # (D, D)
    chol = torch.linalg.cholesky(cov)  # (D, D), lower
    z = torch.linalg.solve_triangular(chol, (x - p["dec_b"]).T, upper=False)  # (D, N)
    log_det = 2 * chol.diagonal().log().sum()
    return -0.5 * (D * math.log(2 * math.pi) + log_det + (z * z).sum(0))


def bound_and_likelihood(p, x) -> tuple[float, float, bool]:
    """Mean ELBO, mean log p(x), and whether ELBO <= log p(x) at every point."""
    with __import__("torch").no_grad():
        e, ll = exact_elbo(p, x), log_likelihood(p, x)
    return float(e.mean()), float(ll.mean()), bool((e <= ll + 1e-9).all())


def independent_baseline(train, held) -> float:
    """Mean held-out log-likelihood of a Gaussian fitted to each feature on its own (no latent, no
    correlations): what the VAE's shared factors should beat."""
    mean, logvar = train.mean(0), train.var(0).log()
    return float(gaussian_log_prob(held, mean, logvar.expand_as(held)).sum(1).mean())


def terms(r: Report, p, x) -> None:
    import torch
    from torch.distributions import Normal, kl_divergence

    s = r.section("what it computes: the two terms of the ELBO")
    mu, logvar = encode(p, x[:4])  # (4, K)
    kl = gaussian_kl(mu, logvar, torch.zeros_like(mu), torch.zeros_like(mu))  # (4, K)
    q = Normal(mu, (0.5 * logvar).exp())
    ref = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu)))
    s.tensor("q(z | x) means, first 4 points (before training)", mu)
    s.tensor("KL(q || N(0, 1)) per dimension", kl)
    s.note(
        "Reconstruction: E_q[log p(x | z)], estimated with z = mu + sigma * eps (`mlterms demo "
        "reparameterization trick`). Regulariser: KL(q(z | x) || N(0, I)), in closed form per "
        "dimension: (sigma^2 + mu^2 - 1 - log sigma^2) / 2. It pulls every code toward the prior, "
        "so that decoding z ~ N(0, I) later gives data-like samples."
    )
    r.check_close("closed-form KL == torch.distributions.kl_divergence", kl, ref, atol=1e-12)
    z = q.rsample((4000,))  # (S, 4, K)
    mc = (q.log_prob(z) - Normal(0.0, 1.0).log_prob(z)).sum(-1)  # (S, 4)
    se = mc.std(0) / math.sqrt(len(z))
    worst = float(((mc.mean(0) - kl.sum(1)) / se).abs().max())
    r.check(
        "closed-form KL == Monte Carlo E_q[log q - log p] (within 4.5 SE)",
        worst < 4.5,
        f"largest |z| {worst:.2f}",
        kind="reference",
    )
    dec = gaussian_log_prob(x[:4], mu @ p["dec_w"] + p["dec_b"], p["dec_logvar"].expand(4, D))
    want = Normal(mu @ p["dec_w"] + p["dec_b"], (0.5 * p["dec_logvar"]).exp()).log_prob(x[:4])
    r.check_close("log p(x | z) by hand == Normal.log_prob", dec, want, atol=1e-12)


def trained(r: Report, losses, before, after, baseline: float) -> None:
    s = r.section(f"training: {len(losses)} Adam steps on -ELBO, one sample of z per point")
    s.plot("training -ELBO per point", list(range(len(losses))), neg_elbo=losses)
    s.table(
        ["held-out, per point", "ELBO", "log p(x)", "gap = KL(q(z | x) || p(z | x))"],
        [
            ["independent Gaussian per feature", "", baseline, ""],
            ["before training", before[0], before[1], before[1] - before[0]],
            ["after training", after[0], after[1], after[1] - after[0]],
        ],
    )
    s.note(
        "The decoder here is linear, so log p(x) can be computed exactly and compared with the bound. "
        "The gap is the KL from q(z | x) to the true posterior: it is never negative, and it could "
        "reach 0 here, since this encoder's family contains the true posterior. With a neural decoder "
        "log p(x) has no closed form and only the ELBO is tracked. The baseline row fits each "
        "feature alone; the 2 shared latent factors explain the correlations it misses."
    )
    r.check(
        "ELBO <= log p(x) at every held-out point, before and after", before[2] and after[2], kind="property"
    )
    r.effect(
        "training raises the held-out ELBO by > 2 nats per point",
        after[0] > before[0] + 2,
        f"{before[0]:.2f} -> {after[0]:.2f}",
    )
    r.effect(
        "the trained held-out ELBO beats an independent Gaussian per feature's log-likelihood (+0.5)",
        after[0] > baseline + 0.5,
        f"{after[0]:.2f} vs {baseline:.2f}",
    )
    r.check(
        "the training loss went down",
        losses[-1] < losses[0],
        f"{losses[0]:.2f} -> {losses[-1]:.2f}",
        kind="property",
    )
