"""Gaussian latent variables by hand: the reparameterised sample and the closed-form KL.

Distributions are diagonal Gaussians given by their mean and log-variance, as VAE encoders output them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2) and eps ~ N(0, I) drawn outside: the
    randomness is an input, so z is a differentiable function of mu and logvar. Shapes broadcast."""
    return mu + (0.5 * logvar).exp() * eps


def gaussian_kl(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    """KL(N(mu_q, var_q) || N(mu_p, var_p)) per dimension, elementwise (sum it for a diagonal Gaussian):
    (log var_p - log var_q + (var_q + (mu_q - mu_p)^2) / var_p - 1) / 2."""
    var_q, var_p = logvar_q.exp(), logvar_p.exp()
    return 0.5 * (logvar_p - logvar_q + (var_q + (mu_q - mu_p) ** 2) / var_p - 1)


def gaussian_log_prob(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(x; mu, exp(logvar)) elementwise: -(log(2 pi) + logvar + (x - mu)^2 / var) / 2."""
    import math

    return -0.5 * (math.log(2 * math.pi) + logvar + (x - mu) ** 2 / logvar.exp())
