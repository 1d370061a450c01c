"""The latent-variable demos, recomputed independently with numpy, quadrature and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlterms.demos.hand.latent import gaussian_kl, gaussian_log_prob, reparameterize

from .util import exercise, row, run, table, tensor


def arr(report, name):
    return np.array(tensor(report, name).values)


def gauss_expect(fn, mu, sigma, order=80):
    """E[fn(z)], z ~ N(mu, sigma^2), by Gauss-Hermite quadrature."""
    t, w = np.polynomial.hermite_e.hermegauss(order)
    return float(np.sum(w * fn(mu + sigma * t)) / np.sqrt(2 * np.pi))


# -- the shared by-hand helpers -----------------------------------------------------------------


def test_reparameterize_is_mu_plus_sigma_eps():
    mu, logvar, eps = torch.tensor([1.0, -2.0]), torch.tensor([0.0, np.log(9.0)]), torch.tensor([0.5, 1.0])
    assert reparameterize(mu, logvar, eps).tolist() == pytest.approx([1.5, 1.0])


def test_gaussian_kl_matches_quadrature():
    mq, sq, mp, sp = 0.3, 0.5, -1.0, 2.0
    log_ratio = lambda z: (  # noqa: E731
        -np.log(sq) - (z - mq) ** 2 / (2 * sq**2) + np.log(sp) + (z - mp) ** 2 / (2 * sp**2)
    )
    want = gauss_expect(log_ratio, mq, sq)
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    got = gaussian_kl(t(mq), t(2 * np.log(sq)), t(mp), t(2 * np.log(sp)))
    assert float(got) == pytest.approx(want)
    assert float(gaussian_kl(t(mq), t(0.1), t(mq), t(0.1))) == pytest.approx(0.0, abs=1e-15)


def test_gaussian_log_prob_is_the_normal_density():
    x, mu, var = 0.7, -0.2, 2.5
    got = gaussian_log_prob(torch.tensor(x), torch.tensor(mu), torch.tensor(np.log(var)))
    assert float(got) == pytest.approx(
        np.log(np.exp(-((x - mu) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var))
    )


# -- reparameterization trick --------------------------------------------------------------------


def test_reparameterization_closed_form_matches_quadrature_and_finite_differences():
    from mlterms.demos.latent.reparameterization_trick import expected_f_and_grad

    fn = lambda z: z**2 + np.sin(z)  # noqa: E731
    mu, sigma, h = 1.2, 0.7, 1e-5
    value, d_mu, d_sigma = expected_f_and_grad(mu, sigma)
    assert value == pytest.approx(gauss_expect(fn, mu, sigma))
    assert d_mu == pytest.approx(
        (gauss_expect(fn, mu + h, sigma) - gauss_expect(fn, mu - h, sigma)) / (2 * h)
    )
    assert d_sigma == pytest.approx(
        (gauss_expect(fn, mu, sigma + h) - gauss_expect(fn, mu, sigma - h)) / (2 * h)
    )


def test_reparameterization_report_uses_the_knobs():
    report = run("reparameterization trick", 2, mu=-1.0, sigma=2.0)
    eps, z = arr(report, "eps"), arr(report, "z = mu + sigma * eps")
    np.testing.assert_allclose(z, -1.0 + 2.0 * eps)
    t = table(report, "d mean f / d mu")
    fprime = 2 * z + np.cos(z)
    assert row(t, "mu + sigma * eps")[2] == pytest.approx(fprime.mean())
    assert row(t, "Normal.rsample()")[3] == pytest.approx((fprime * eps).mean())
    assert row(t, "Normal.sample()")[1:] == [False, "none", "none"]
    closed = row(table(report, "per-sample sd (mu)"), "closed form")
    fn = lambda v: v**2 + np.sin(v)  # noqa: E731
    h = 1e-5
    assert closed[1] == pytest.approx(
        (gauss_expect(fn, -1 + h, 2.0) - gauss_expect(fn, -1 - h, 2.0)) / (2 * h)
    )
    e = exercise(report, "sample-from-eps")
    np.testing.assert_allclose(e.answer, -1.0 + 2.0 * np.array(e.given["eps"]))
    assert exercise(report, "gradient-of-mean-square").answer == pytest.approx(4.0)
