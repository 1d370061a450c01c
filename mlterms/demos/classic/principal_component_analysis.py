"""Principal component analysis: the orthogonal directions of largest variance, from the covariance."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 6
SCALES = (3.0, 1.5)  # the standard deviations of the two hidden factors


@demo(
    summary="Principal component analysis: rotate centered data onto the orthogonal directions of "
    "largest variance (the covariance's eigenvectors) and keep the first k, to compress or visualise it.",
    params=[
        Param("k", "int", 2, "components kept (the data has 2 strong ones)", min=1, max=D),
        Param("noise", "float", 0.3, "standard deviation of the noise in every dimension", min=0.0, max=2.0),
        Param("n", "int", 100, "training points", min=10, max=500),
    ],
)
def run(r: Report, *, k: int, noise: float, n: int) -> None:
    import torch

    basis = torch.linalg.qr(torch.randn(D, len(SCALES), dtype=torch.float64)).Q.T  # (2, D) orthonormal rows
    mean = torch.randn(D, dtype=torch.float64) * 2  # (D,)
    train, held_out = sample(n, basis, mean, noise), sample(1000, basis, mean, noise)
    values, vectors, center = by_hand(r, train)
    references(r, train, values, vectors)
    compress(r, train, held_out, values, vectors, center, k, noise)
    lam = torch.tensor([4.0, 2.0, 1.0, 1.0]) * torch.randint(1, 4, (4,))  # (4,)
    lam = lam.sort(descending=True).values
    r.exercise(
        "first-ratio",
        "A covariance has these eigenvalues. What fraction of the total variance does the first component explain?",
        lam[0] / lam.sum(),
        given={"eigenvalues": lam},
        tolerance=1e-3,
    )
    r.exercise(
        "scores-shape",
        "X is (N, D) and k components are kept. What is the shape of the scores (the new coordinates)?",
        (n, k),
        given={"N": n, "D": D, "k": k},
    )


def sample(n: int, basis, mean, noise: float):
    """n points: 2 hidden factors (sd 3 and 1.5) along the rows of `basis`, plus isotropic noise. (n, D)"""
    import torch

    z = torch.randn(n, len(SCALES), dtype=torch.float64) * torch.tensor(SCALES, dtype=torch.float64)
    return mean + z @ basis + noise * torch.randn(n, D, dtype=torch.float64)


def by_hand(r: Report, X):
    import torch

    s = r.section("what it computes: eigenvectors of the covariance")
    center = X.mean(0)  # (D,)
    Xc = X - center  # (N, D)
    C = Xc.T @ Xc / (len(X) - 1)  # (D, D) the sample covariance
    values, vectors = torch.linalg.eigh(C)  # ascending
    values, vectors = values.flip(0), vectors.flip(1)  # (D,), (D, D): columns are the components
    ratio = values / values.sum()
    s.note(
        f"{len(X)} points in {D} dimensions, made from 2 hidden factors plus noise. Center X, form "
        "C = Xc^T Xc / (N - 1), and take its eigenvectors, largest eigenvalue first: the eigenvalue "
        "is the variance of the data along that direction."
    )
    s.table(
        ["component", "variance (eigenvalue)", "explained ratio", "cumulative"],
        [[i + 1, values[i], ratio[i], ratio[: i + 1].sum()] for i in range(D)],
    )
    scores = Xc @ vectors  # (N, D) the data in the new coordinates
    s.scatter("the training points in the first two components", points=(scores[:, 0], scores[:, 1]))
    s.tensor("components (columns)", vectors)
    cov = scores.T @ scores / (len(X) - 1)  # (D, D)
    r.check_close(
        "the scores are uncorrelated: their covariance == diag(eigenvalues)",
        cov,
        torch.diag(values),
        1e-9,
        kind="property",
    )
    eye = torch.eye(D, dtype=X.dtype)
    r.check_close(
        "the components are orthonormal: V^T V == I", vectors.T @ vectors, eye, 1e-12, kind="property"
    )
    return values, vectors, center


def references(r: Report, X, values, vectors) -> None:
    import torch

    s = r.section("the same components from the SVD, and from torch.pca_lowrank")
    Xc = X - X.mean(0)
    _, S, Vh = torch.linalg.svd(Xc, full_matrices=False)  # S (D,), Vh (D, D)
    s.note(
        "Xc = U S V^T, so Xc^T Xc = V S^2 V^T: the right singular vectors are the components and "
        "S^2 / (N - 1) the variances, without forming the covariance. Each vector is defined up to "
        "its sign, so they are compared as |cos| between matching columns."
    )
    r.check_close("eigenvalues == S^2 / (N - 1) from torch.linalg.svd", values, S**2 / (len(X) - 1), 1e-9)
    gap = 1e-6 * float(values[0])  # a component is defined (up to sign) only if its eigenvalue is distinct
    strong = [
        i
        for i in range(D)
        if (i == 0 or values[i - 1] - values[i] > gap) and (i == D - 1 or values[i] - values[i + 1] > gap)
    ]
    cos = (vectors * Vh.T).sum(0).abs()  # (D,) |cos| between matching components
    r.check_close(
        "components == right singular vectors (up to sign)",
        cos[strong],
        torch.ones(len(strong), dtype=X.dtype),
        1e-8,
    )
    _, S_low, _ = torch.pca_lowrank(X, q=D, center=True, niter=4)
    s.table(["component", "S from svd", "S from pca_lowrank"], [[i + 1, S[i], S_low[i]] for i in range(D)])
    r.check_close("singular values == torch.pca_lowrank's (relative)", S_low / S[0], S / S[0], 1e-8)


def compress(r: Report, train, held_out, values, vectors, center, k: int, noise: float) -> None:
    import torch

    s = r.section(f"compressing held-out points to k = {k} numbers each")

    def recon_error(V) -> float:
        codes = (held_out - center) @ V  # (M, k)
        back = center + codes @ V.T  # (M, D)
        return float(((back - held_out) ** 2).sum(1).mean())

    pca = recon_error(vectors[:, :k])
    random = recon_error(torch.linalg.qr(torch.randn(D, k, dtype=train.dtype)).Q)
    s.table(
        ["k directions", "held-out squared error per point"],
        [["the first k components", pca], ["k random orthonormal directions", random]],
    )
    s.note(
        "Training variance left out = the sum of the dropped eigenvalues; on new points the error is "
        f"close to it. The noise puts {noise**2:.2f} in each of the {D - 2} dimensions the 2 factors "
        "do not use: keeping more than 2 components mostly keeps noise."
    )
    s.scalar("sum of the dropped training eigenvalues", values[k:].sum())
    r.effect(
        "held-out error with the first k components < 1/2 of k random directions'",
        pca < random / 2,
        f"{pca:.3f} vs {random:.3f}",
    )
    r.effect(
        "held-out error within 30% of the dropped training variance",
        abs(pca - float(values[k:].sum())) < 0.3 * float(values[k:].sum()) + 1e-9,
        f"{pca:.3f} vs {float(values[k:].sum()):.3f}",
    )
