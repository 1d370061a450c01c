"""The latent-variable demos, recomputed independently with numpy, quadrature and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlterms.demos.hand.latent import gaussian_kl, gaussian_log_prob, reparameterize

from .util import column, exercise, row, run, scalar, table, tensor


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


# -- variational autoencoder ---------------------------------------------------------------------


def random_vae(seed):
    from mlterms.demos.latent.variational_autoencoder import D, K

    g = torch.Generator().manual_seed(seed)
    shapes = {
        "enc_w": (D, K),
        "enc_b": (K,),
        "enc_logvar": (K,),
        "dec_w": (K, D),
        "dec_b": (D,),
        "dec_logvar": (1,),
    }
    return {k: torch.randn(*s, generator=g, dtype=torch.float64) * 0.7 for k, s in shapes.items()}


def test_vae_exact_elbo_is_the_mean_of_many_sampled_elbos_and_below_log_px():
    from mlterms.demos.latent.variational_autoencoder import elbo_estimate, exact_elbo, log_likelihood

    p = random_vae(0)
    x = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    draws = torch.stack([elbo_estimate(p, x) for _ in range(4000)])
    exact = exact_elbo(p, x).mean()
    assert float(draws.mean()) == pytest.approx(float(exact), abs=5 * float(draws.std()) / np.sqrt(4000))
    W, var = p["dec_w"].numpy(), float(np.exp(p["dec_logvar"].numpy()[0]))
    cov, diff = W.T @ W + var * np.eye(5), x.numpy() - p["dec_b"].numpy()
    want = [
        -0.5 * (5 * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + d @ np.linalg.solve(cov, d)) for d in diff
    ]
    np.testing.assert_allclose(log_likelihood(p, x).numpy(), want)
    assert bool((exact_elbo(p, x) <= log_likelihood(p, x)).all())


def test_vae_report_kl_and_exercise():
    report = run("variational autoencoder", 1)
    mu, kl = (
        arr(report, "q(z | x) means, first 4 points (before training)"),
        arr(report, "KL(q || N(0, 1)) per dimension"),
    )
    np.testing.assert_allclose(kl, mu**2 / 2, atol=1e-12)  # the initial log-variance is 0: sigma = 1
    t = table(report, "log p(x)")
    assert row(t, "after training")[1] > row(t, "before training")[1]
    e = exercise(report, "kl-to-prior")
    m, s = e.given["mu"], np.exp(e.given["logvar"] / 2)
    log_ratio = lambda z: -np.log(s) - (z - m) ** 2 / (2 * s**2) + z**2 / 2  # noqa: E731
    assert e.answer == pytest.approx(gauss_expect(log_ratio, m, s))


# -- generative adversarial network --------------------------------------------------------------


def npdf(x, m, s):
    return np.exp(-((x - m) ** 2) / (2 * s**2)) / (s * np.sqrt(2 * np.pi))


def test_gan_gradients_match_finite_differences_of_the_losses():
    from mlterms.demos.latent.generative_adversarial_network import d_grad, g_grad

    rng = np.random.default_rng(0)
    real, fake, z = rng.normal(3, 0.5, 8), rng.normal(0, 1, 8), rng.normal(size=8)
    theta, gen = np.array([0.2, 0.4, -0.1]), np.array([1.3, 0.2])
    sig = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    logit = lambda th, x: th[0] + th[1] * x + th[2] * x**2  # noqa: E731

    def d_loss(th):
        return -(np.log(sig(logit(th, real))).sum() + np.log(1 - sig(logit(th, fake))).sum()) / 16

    def g_loss(g):
        return -np.log(sig(logit(theta, g[0] * z + g[1]))).mean()

    h, t = 1e-6, lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    num_d = [(d_loss(theta + h * e) - d_loss(theta - h * e)) / (2 * h) for e in np.eye(3)]
    num_g = [(g_loss(gen + h * e) - g_loss(gen - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(d_grad(t(theta), t(real), t(fake)).numpy(), num_d, atol=1e-7)
    np.testing.assert_allclose(g_grad(t(theta), t(gen), t(z)).numpy(), num_g, atol=1e-7)


def test_gan_optimal_discriminator_table_and_exercise():
    report = run("generative adversarial network", 3, data_mean=2.0)
    t = table(report, "D*(x) in closed form")
    x = np.array(column(t, "x"))
    want = npdf(x, 2.0, 0.5) / (npdf(x, 2.0, 0.5) + npdf(x, 0.0, 1.0))
    np.testing.assert_allclose(column(t, "D*(x) in closed form"), want, atol=1e-12)
    assert x[0] == -1.0 and x[-1] == 3.0
    e = exercise(report, "optimal-d")
    xe = e.given["x"]
    assert e.answer == pytest.approx(npdf(xe, 2.0, 0.5) / (npdf(xe, 2.0, 0.5) + npdf(xe, 0, 1)))


def test_gan_with_no_steps_leaves_the_generator_at_the_start():
    from mlterms.demos.report import Plot

    from .util import items

    report = run("generative adversarial network", 0, steps=0)
    (p,) = [p for p in items(report, Plot) if p.title.startswith("generator mean")]
    assert p.series == {"mean": [0.0], "sd": [1.0]}


# -- latent space --------------------------------------------------------------------------------


def test_latent_space_helpers_and_report():
    from mlterms.demos.latent.latent_space import off_plane

    plane = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]], dtype=torch.float64)
    x = torch.tensor([[3.0, 4.0, 0.0], [1.0, 1.0, -2.0]], dtype=torch.float64)
    assert off_plane(x, plane).tolist() == pytest.approx([0.0, 2.0])
    report = run("latent space", 1, k=3)
    t = table(report, "change in the decoded output")
    assert column(t, "change in the decoded output") == pytest.approx(column(t, "move in latent space"))
    e = exercise(report, "midpoint")
    assert len(e.answer) == 3
    np.testing.assert_allclose(e.answer, (np.array(e.given["code a"]) + np.array(e.given["code b"])) / 2)


@pytest.mark.parametrize("k", [1, 2])
def test_latent_space_codes_have_the_variance_of_the_top_directions(k):
    from mlterms.demos.report import Plot

    from .util import items

    report = run("latent space", 0, k=k)
    (p,) = [p for p in items(report, Plot) if p.points]
    codes = np.array(p.x)
    assert len(codes) == 300
    np.testing.assert_allclose(codes.mean(), 0, atol=1e-9)  # encoded after centering
    assert codes.var() > 2.0**2  # the first code follows the strongest factor (sd 3), not the noise
    error = scalar(report, "reconstruction error per point")
    if k == 2:  # both factors kept: only noise is lost, at most that of the 8 dimensions
        assert 0 < error < 8 * 0.4**2
    else:  # the second factor (sd 2) is lost too
        assert error > 2.0**2 * 0.7
