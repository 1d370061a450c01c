"""An autoencoder: squeeze the input through a k-number code and rebuild it; a linear one finds PCA."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D, TRUE_DIM, NOISE = 8, 3, 0.3  # inputs of 8 numbers that vary along 3 directions, plus noise
SPREAD = (3.0, 2.0, 1.2)  # sd of the data along its 3 directions
N_TRAIN, N_TEST, STEPS, LR = 200, 1000, 300, 0.3


def linear_ae_grads(X, E, W):
    """Gradients of L = mean((X E^T W^T - X)^2) for X (n, D), encoder E (k, D), decoder W (D, k)."""
    Z = X @ E.T  # (n, k) the codes
    R = Z @ W.T - X  # (n, D) reconstruction error
    c = 2 / X.numel()
    return c * (R @ W).T @ X, c * R.T @ Z  # dL/dE (k, D), dL/dW (D, k)


def principal_angles(U, V):
    """The principal angles (degrees) between the column spans of U (D, k) and V (D, k), largest first."""
    import torch

    qu, qv = torch.linalg.qr(U).Q, torch.linalg.qr(V).Q
    cos = torch.linalg.svdvals(qu.T @ qv).clamp(max=1.0)  # (k,) cosines, largest first
    return torch.rad2deg(torch.arccos(cos)).flip(0)


@demo(
    summary="An autoencoder is trained to reproduce its own input (MSE, no labels): an encoder squeezes "
    "it into a small code, a decoder rebuilds it; the narrow bottleneck keeps only the most useful "
    "information, and a linear one keeps exactly PCA's top-k subspace.",
    params=[Param("k", "int", TRUE_DIM, "bottleneck size: numbers in the code", min=1, max=TRUE_DIM)],
)
def run(r: Report, *, k: int) -> None:
    import torch

    f64 = torch.float64
    A = torch.linalg.qr(torch.randn(D, TRUE_DIM, dtype=f64)).Q.T  # (3, D) orthonormal data directions

    def sample(n: int):
        clean = torch.randn(n, TRUE_DIM, dtype=f64) * torch.tensor(SPREAD, dtype=f64) @ A  # (n, D)
        return clean, clean + NOISE * torch.randn(n, D, dtype=f64)

    _, X = sample(N_TRAIN)
    clean_test, X_test = sample(N_TEST)
    mu = X.mean(0)  # centre with the TRAINING mean only
    Xc, Xt, Ct = X - mu, X_test - mu, clean_test - mu
    E, W = train(r, Xc, k)
    _, S, Vh = torch.linalg.svd(Xc, full_matrices=False)  # Xc = U diag(S) Vh
    against_pca(r, Xc, E, W, S, Vh, k)
    held_out(r, Xc, Xt, Ct, E, W, S, Vh, k)


def train(r: Report, Xc, k: int):
    import torch

    s = r.section("1. encode, decode, compare with the input")
    s.note(
        f"Each input is {D} numbers that really vary along {TRUE_DIM} directions (sds {SPREAD}), plus noise "
        f"of sd {NOISE} in every coordinate. Encoder E: (k, D), code z = E x: (k,), decoder W: (D, k), "
        f"output x_hat = W z. Loss = mean((x_hat - x)^2): the input is its own target, so no labels. Both "
        f"maps are linear here, trained by {STEPS} plain gradient steps written by hand (lr {LR}). With a "
        f"nonlinear encoder and decoder the same loss gives a nonlinear code."
    )
    E = 0.1 * torch.randn(k, D, dtype=Xc.dtype)
    W = 0.1 * torch.randn(D, k, dtype=Xc.dtype)
    Eg, Wg = E.clone().requires_grad_(), W.clone().requires_grad_()
    auto = torch.autograd.grad(((Xc @ Eg.T @ Wg.T - Xc) ** 2).mean(), [Eg, Wg])
    hand = linear_ae_grads(Xc, E, W)
    r.check_close(
        "the loss's gradients by hand == autograd (encoder and decoder, at the start)",
        torch.cat([hand[0].flatten(), hand[1].flatten()]),
        torch.cat([auto[0].flatten(), auto[1].flatten()]),
        atol=1e-12,
    )
    losses = []
    for _ in range(STEPS):
        losses.append(float(((Xc @ E.T @ W.T - Xc) ** 2).mean()))
        gE, gW = linear_ae_grads(Xc, E, W)
        E, W = E - LR * gE, W - LR * gW
    s.plot("training loss (log10)", list(range(0, STEPS, 3)), loss=[math.log10(v) for v in losses[::3]])
    s.tensor("the codes z of the first 3 training inputs", Xc[:3] @ E.T)
    return E, W


def against_pca(r: Report, Xc, E, W, S, Vh, k: int) -> None:
    s = r.section("2. a linear autoencoder finds PCA's subspace")
    s.note(
        "PCA keeps the top-k right singular vectors V_k of the centred data; projecting onto them is the best "
        "rank-k linear reconstruction, with error sum(S_i^2 for i > k) / (n D). A linear autoencoder can do "
        "no better, and gradient descent reaches it: its decoder's columns span the same subspace. They are "
        "not the principal axes themselves (any invertible mix of them, not orthonormal), so the subspaces "
        "are compared by their principal angles."
    )
    ae = float(((Xc @ E.T @ W.T - Xc) ** 2).mean())
    pca = float((S[k:] ** 2).sum() / Xc.numel())
    angles = principal_angles(W, Vh[:k].T)  # (k,)
    gram = W.T @ W  # (k, k): the identity only for orthonormal columns
    s.table(
        ["", "value"],
        [
            ["autoencoder training error", ae],
            ["PCA error, from torch.linalg.svd", pca],
            ["largest principal angle, decoder vs V_k (degrees)", angles[0]],
            ["decoder columns: largest |W^T W - I|", (gram - gram.new_ones(k).diag()).abs().max()],
        ],
        title=f"k = {k}",
    )
    r.check(
        "autoencoder training error == PCA's rank-k error from torch.linalg.svd (within 1%)",
        abs(ae - pca) <= 0.01 * pca,
        f"{ae:.5f} vs {pca:.5f}",
        kind="reference",
    )
    r.check(
        "the decoder spans PCA's top-k subspace (every principal angle below 1 degree)",
        float(angles[0]) < 1.0,
        f"largest angle {float(angles[0]):.3f} degrees",
        kind="property",
    )
    r.exercise(
        "pca-error",
        "The centred training data (n x D) has these singular values. What is the best mean squared "
        "reconstruction error with a k-number code?",
        pca,
        given={"singular_values": S, "n": Xc.shape[0], "D": D, "k": k},
        tolerance=1e-3 * pca,
    )


def held_out(r: Report, Xc, Xt, Ct, E, W, S, Vh, k: int) -> None:
    import torch

    s = r.section("3. on held-out data: how big a bottleneck?")
    s.note(
        f"PCA for every k (what the linear autoencoder reaches) on {Xt.shape[0]} held-out inputs, against the "
        "noisy input and against the clean signal it came from. The error to the input falls with every "
        f"code number, to 0 at k = D (a copy). The error to the CLEAN signal is smallest at k = {TRUE_DIM}: "
        "there the code has kept the 3 directions that carry the data and dropped the noise in the other "
        f"{D - TRUE_DIM}. Larger codes keep noise too. (The knob stops at {TRUE_DIM}: beyond it the extra "
        "directions are all noise of near-equal variance, PCA's subspace is barely determined, and a few "
        "hundred gradient steps do not settle it.)"
    )
    rows = []
    for j in range(1, D + 1):
        P = Vh[:j].T @ Vh[:j]  # (D, D) projection onto the top-j subspace
        rows.append(
            [j, (S[j:] ** 2).sum() / Xc.numel(), ((Xt @ P - Xt) ** 2).mean(), ((Xt @ P - Ct) ** 2).mean()]
        )
    s.table(["k", "training error", "held-out error", "held-out error to clean"], rows, title="PCA, every k")
    best = min(range(D), key=lambda j: float(rows[j][3])) + 1
    r.effect(
        f"the held-out error to the clean signal is smallest with a {TRUE_DIM}-number code (PCA, k = 1..{D})",
        best == TRUE_DIM,
        f"smallest at k = {best}: {float(rows[best - 1][3]):.4f}",
        asserted=True,  # the PCA table does not depend on the knob
    )
    out = Xt @ E.T @ W.T  # (n_test, D) the autoencoder's reconstructions
    rand = torch.linalg.qr(torch.randn(D, k, dtype=Xt.dtype)).Q  # (D, k) a random k-dim subspace
    err = {
        "autoencoder": float(((out - Xt) ** 2).mean()),
        f"random {k}-dim projection": float(((Xt @ rand @ rand.T - Xt) ** 2).mean()),
        "autoencoder, to clean": float(((out - Ct) ** 2).mean()),
        "noisy input, to clean": float(((Xt - Ct) ** 2).mean()),
    }
    s.table(["held-out", "mean squared error"], [[name, v] for name, v in err.items()], title=f"k = {k}")
    r.effect(
        "the learned code reconstructs held-out inputs better than a random projection of the same size",
        err["autoencoder"] < 0.5 * err[f"random {k}-dim projection"],
        f"{err['autoencoder']:.4f} vs {err[f'random {k}-dim projection']:.4f}",
    )
    r.effect(
        f"with k = {TRUE_DIM} the reconstruction is closer to the clean held-out signal than the noisy input is",
        err["autoencoder, to clean"] < 0.6 * err["noisy input, to clean"],
        f"{err['autoencoder, to clean']:.4f} vs {err['noisy input, to clean']:.4f}",
        asserted=k == TRUE_DIM,
    )
    r.exercise(
        "variance-kept",
        "What share of the centred training data's variance does a k-number code keep (from these singular "
        "values)?",
        float((S[:k] ** 2).sum() / (S**2).sum()),
        given={"singular_values": S, "k": k},
        tolerance=1e-3,
    )
