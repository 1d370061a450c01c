"""Latent space: the space of codes a model maps data into; here a linear autoencoder's (PCA's)."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 8  # data dimensions
FACTORS = 2  # the hidden factors that really make the data
STEPS = 9  # points along an interpolation


@demo(
    summary="Latent space: the lower-dimensional space of codes an encoder maps data into, where "
    "nearby codes decode to similar outputs and moving between two codes moves between two data points.",
    params=[
        Param("k", "int", 2, "latent dimensions (the data has 2 factors)", min=1, max=6),
        Param("noise", "float", 0.4, "noise off the data's plane, per dimension", min=0.0, max=1.0),
    ],
)
def run(r: Report, *, k: int, noise: float) -> None:
    import torch

    plane = torch.linalg.qr(torch.randn(D, FACTORS, dtype=torch.float64)).Q.T  # (2, D) orthonormal rows
    scale = torch.tensor([3.0, 2.0], dtype=torch.float64)

    def sample(n: int):
        z = torch.randn(n, FACTORS, dtype=torch.float64) * scale  # (n, 2)
        return z @ plane + noise * torch.randn(n, D, dtype=torch.float64)  # (n, D)

    train, held = sample(300), sample(2)
    mean, V = fit(r, train, k)
    smoothness(r, V, held, mean)
    interpolate(r, V, mean, held, plane, noise)
    a, b = torch.randint(-4, 5, (2, k)).double()
    r.exercise(
        "midpoint",
        "Two codes as given. Which code lies halfway between them (what interpolation decodes at t = 0.5)?",
        (a + b) / 2,
        given={"code a": a, "code b": b},
        tolerance=1e-6,
    )


def off_plane(x, plane):
    """Distance of each row of x (N, D) from the span of the rows of `plane` (2, D). (N,)"""
    return (x - (x @ plane.T) @ plane).norm(dim=1)


def fit(r: Report, x, k: int):
    import torch

    s = r.section(f"what it computes: an encoder and a decoder through {k} latent numbers")
    mean = x.mean(0)  # (D,)
    _, _, Vh = torch.linalg.svd(x - mean, full_matrices=False)
    V = Vh[:k].T  # (D, k): the decoder's weights; the encoder uses V^T
    codes = (x - mean) @ V  # (N, k) encode: z = V^T (x - mean)
    s.note(
        f"{len(x)} points in {D} dimensions, made from {FACTORS} hidden factors plus noise. The linear "
        "autoencoder with the least reconstruction error (its weights are PCA's components) encodes "
        f"z = V^T (x - mean), a point of a {k}-dimensional latent space, and decodes x' = mean + V z."
    )
    s.scatter(
        "the training set in latent space (first 2 codes)", codes=(codes[:, 0], codes[:, min(1, k - 1)])
    )
    recon = mean + codes @ V.T  # (N, D)
    s.scalar("reconstruction error per point", ((recon - x) ** 2).sum(1).mean())
    _, vectors = torch.linalg.eigh((x - mean).T @ (x - mean))  # ascending eigenvalues
    top = vectors[:, -k:]  # (D, k) the top-k eigenvectors of the scatter matrix
    r.check_close(
        "the latent directions span the top-k eigenvectors (V V^T == E E^T from torch.linalg.eigh)",
        V @ V.T,
        top @ top.T,
        1e-8,
    )
    r.check_close(
        "decode(encode(x')) == x' for a decoded point (the decoder's outputs are fixed points)",
        mean + ((recon - mean) @ V) @ V.T,
        recon,
        1e-9,
        kind="property",
    )
    return mean, V


def smoothness(r: Report, V, held, mean) -> None:
    import torch

    s = r.section("nearby codes decode to nearby outputs")
    z = (held[:1] - mean) @ V  # (1, k)
    steps = torch.tensor([0.0, 0.1, 0.3, 1.0, 3.0], dtype=torch.float64)
    direction = torch.nn.functional.normalize(torch.randn(1, V.shape[1], dtype=torch.float64), dim=1)
    moved = z + steps[:, None] * direction  # (5, k) codes at growing distances from z
    out = mean + moved @ V.T  # (5, D)
    change = (out - out[:1]).norm(dim=1)  # (5,)
    s.table(
        ["move in latent space", "change in the decoded output"], [[steps[i], change[i]] for i in range(5)]
    )
    s.note(
        "This decoder is linear with orthonormal columns, so a move of length d in latent space moves "
        "the output by exactly d: small steps give small changes. A neural decoder is smooth rather "
        "than exact, and a VAE's KL term is what keeps its latent space filled without gaps."
    )
    r.check_close(
        "output change == latent move (V has orthonormal columns)", change, steps, 1e-9, kind="property"
    )
    pairs = torch.randn(50, 2, held.shape[1], dtype=torch.float64)
    shrink = ((pairs[:, 0] - pairs[:, 1]) @ V).norm(dim=1) <= (pairs[:, 0] - pairs[:, 1]).norm(dim=1) + 1e-12
    r.check(
        "encoding never moves two points further apart (50 random pairs)", bool(shrink.all()), kind="property"
    )


def interpolate(r: Report, V, mean, held, plane, noise: float) -> None:
    import torch

    s = r.section("interpolation: walking between two new points")
    t = torch.linspace(0, 1, STEPS, dtype=torch.float64)[:, None]  # (T, 1)
    a, b = held[0], held[1]
    za, zb = (a - mean) @ V, (b - mean) @ V
    through_codes = mean + ((1 - t) * za + t * zb) @ V.T  # (T, D) decode the mixed codes
    through_inputs = (1 - t) * a + t * b  # (T, D) mix the raw inputs
    off_codes, off_inputs = off_plane(through_codes, plane), off_plane(through_inputs, plane)
    s.plot(
        "distance from the data's true plane along the path",
        t[:, 0],
        through_latent_codes=off_codes,
        through_raw_inputs=off_inputs,
    )
    s.note(
        "Mixing two codes and decoding gives a path of plausible points: every decoded point lies in "
        "the learned plane, close to the true one. Mixing the raw inputs carries their noise along. "
        "(With k above 2 the extra codes keep some noise, and the two paths grow alike.)"
    )
    mid = float(off_codes.mean()), float(off_inputs.mean())
    r.effect(
        "the latent path stays nearer the data's plane: mean distance < 1/2 of the raw path's",
        mid[0] < mid[1] / 2,
        f"{mid[0]:.3f} vs {mid[1]:.3f}",
        asserted=r.at_defaults or (V.shape[1] <= FACTORS and noise >= 0.2),
    )
