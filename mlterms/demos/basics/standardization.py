"""Standardization: the z-score per feature, fitted on the training set, and why gradient descent likes it."""

from __future__ import annotations

from mlterms.demos.hand.normalization import mean_std_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

COLUMNS = ["x0 (unit scale)", "x1 (scaled)", "x2 (offset)"]


def make_data(n: int, scale: float):
    """Features (n, 3) on very different scales, and targets (n,) that use each one equally."""
    import torch

    z = torch.randn(n, 3, dtype=torch.float64)  # (n, 3) the features in standard units
    X = z * torch.tensor([1.0, scale, 2.0], dtype=torch.float64) + torch.tensor([0.0, 3 * scale, 20.0])
    y = z @ torch.tensor([2.0, -1.5, 1.0], dtype=torch.float64) + 0.3 * torch.randn(n, dtype=torch.float64)
    return X, y


@demo(
    summary="Standardization (z-score) maps each feature to (x - mean) / std: mean 0 and std 1 on the "
    "training set, with no fixed range; mean and std come from the training set only.",
    params=[
        Param("scale", "float", 100.0, "spread of feature x1 (x0 has spread 1)", min=1.0, max=1000.0),
        Param("steps", "int", 50, "gradient descent steps", min=5, max=500),
        Param("n_train", "int", 40, "training examples", min=8, max=400),
    ],
)
def run(r: Report, *, scale: float, steps: int, n_train: int) -> None:
    import torch
    import torch.nn.functional as F

    X, y = make_data(n_train, scale)
    s = r.section("z = (x - mean) / std, per feature over the training examples")
    stats = [mean_std_by_hand(X[:, j].tolist()) for j in range(3)]
    mean = torch.tensor([m for m, _ in stats], dtype=torch.float64)  # (3,)
    std = torch.tensor([sd for _, sd in stats], dtype=torch.float64)  # (3,)
    ref_std, ref_mean = torch.std_mean(X, dim=0, correction=0)
    r.check_close(
        "mean, std by loops == torch.std_mean(correction=0)",
        torch.cat([mean, std]),
        torch.cat([ref_mean, ref_std]),
        1e-9,
    )
    Z = (X - mean) / std  # (n, 3)
    r.check_close(
        "z per column == F.layer_norm of each column (no affine, eps 0)",
        Z,
        F.layer_norm(X.T, (n_train,), eps=0.0).T,
        1e-9,
    )
    s.table(
        ["feature", "train mean", "train std", "z min", "z max"],
        [[c, mean[j], std[j], Z[:, j].min(), Z[:, j].max()] for j, c in enumerate(COLUMNS)],
    )
    z_std, z_mean = torch.std_mean(Z, dim=0, correction=0)
    r.check_close(
        "training z: every column has mean 0, std 1",
        torch.cat([z_mean, z_std]),
        torch.tensor([0.0] * 3 + [1.0] * 3, dtype=torch.float64),
        1e-9,
        kind="property",
    )
    s.note(
        "The z-score has no fixed range: its extremes depend on the data (min-max scaling, which the "
        "glossary calls normalization, has one). Also called standard scaling (scikit-learn's StandardScaler)."
    )
    conventions(r, X)
    X_ho, y_ho = make_data(500, scale)  # held-out examples from the same world
    held_out(r, X, X_ho, mean, std)
    descent(r, X, y, X_ho, y_ho, mean, std, steps, scale)


def conventions(r: Report, X) -> None:
    import torch

    s = r.section("std divides by n or by n - 1: two conventions")
    n = len(X)
    rows = [
        [c, X[:, j].std(correction=0), X[:, j].std(), mean_std_by_hand(X[:, j].tolist(), 1)[1]]
        for j, c in enumerate(COLUMNS)
    ]
    s.table(
        ["feature", "divide by n (correction=0)", "divide by n - 1 (torch.std default)", "by hand, n - 1"],
        rows,
    )
    r.check_close(
        "std by loops, n - 1 == torch.std (default correction=1)",
        torch.tensor([row[3] for row in rows], dtype=torch.float64),
        X.std(dim=0),
        1e-9,
    )
    s.note(
        f"They differ by a factor sqrt(n / (n - 1)) = {(n / (n - 1)) ** 0.5:.4f} here. torch.std divides by "
        "n - 1 unless told correction=0; numpy's std and StandardScaler divide by n; batch norm "
        "normalises with n and keeps n - 1 in its running variance. Pick one and say which."
    )
    values = X[:5, 0]
    r.exercise(
        "std-default",
        "What does torch.std (its default correction) give for these values?",
        values.std(),
        given={"values": values},
        tolerance=1e-3,
    )


def held_out(r: Report, X, X_ho, mean, std) -> None:
    import torch

    s = r.section("fit on the training set, apply to held-out data")
    both = torch.cat([X_ho, X[:1]])  # (501, 3): the held-out batch, plus training example 0
    Z_ho = (both - mean) / std  # the TRAINING mean and std
    s.tensor("held-out x, first 3 rows", X_ho[:3])
    s.tensor("held-out z (training mean, std), first 3 rows", Z_ho[:3])
    ho_std, ho_mean = torch.std_mean(Z_ho[:-1], dim=0, correction=0)
    s.table(
        ["feature", "held-out z mean", "held-out z std"],
        [[c, ho_mean[j], ho_std[j]] for j, c in enumerate(COLUMNS)],
    )
    r.check_close(
        "a training example gets the same z in the held-out batch",
        Z_ho[-1],
        ((X - mean) / std)[0],
        1e-12,
        kind="property",
    )
    s.note(
        "Held-out z is only near mean 0, std 1: that is expected. The transform is part of the model, "
        "fixed after training; refitting it on test data would change what the model's inputs mean and "
        "let the test set leak into the model."
    )


def descent(r: Report, X, y, X_ho, y_ho, mean, std, steps: int, scale: float) -> None:
    import torch

    s = r.section(f"why it matters: {steps} steps of gradient descent, raw vs standardized")
    raw, stdz = add_ones(X), add_ones((X - mean) / std)  # (n, 4) with an intercept column
    raw_ho, stdz_ho = add_ones(X_ho), add_ones((X_ho - mean) / std)
    w = torch.randn(4, dtype=torch.float64, requires_grad=True)
    ((raw @ w - y) ** 2).mean().backward()
    r.check_close(
        "MSE gradient by hand 2/n A^T (A w - y) == autograd",
        mse_grad(raw, y, w.detach()),
        w.grad,
        1e-6 * scale**2,
    )
    rows, curves = [], {}
    for name, A, A_ho in [("raw features", raw, raw_ho), ("standardized", stdz, stdz_ho)]:
        eig = torch.linalg.eigvalsh(2 * A.T @ A / len(A))  # Hessian of the MSE, ascending
        lr = 1 / float(eig[-1])  # the same rule for both: 1 / largest curvature
        w = torch.zeros(4, dtype=torch.float64)
        curve = []
        for _ in range(steps):
            w = w - lr * mse_grad(A, y, w)
            curve.append(float(((A_ho @ w - y_ho) ** 2).mean()))
        curves[name] = [max(v, 1e-6) for v in curve]
        rows.append(
            [name, f"{float(eig[-1] / eig[0]):.3g}", f"{lr:.3g}", ((A @ w - y) ** 2).mean(), curve[-1]]
        )
    best = torch.linalg.lstsq(stdz, y).solution
    rows.append(
        [
            "closed-form least squares",
            "",
            "",
            ((stdz @ best - y) ** 2).mean(),
            ((stdz_ho @ best - y_ho) ** 2).mean(),
        ]
    )
    s.table(["features", "curvature ratio (condition)", "learning rate", "train MSE", "held-out MSE"], rows)
    s.plot(
        "log10 held-out MSE per step",
        list(range(1, steps + 1)),
        **{k: torch.tensor(v).log10() for k, v in curves.items()},
    )
    s.note(
        f"With features on scales 1 and {scale:g}, the loss surface is a long narrow valley: the learning rate "
        "must suit the steepest direction, and the flat ones barely move. Standardized, every direction "
        "has a similar curvature and a few steps reach the least-squares fit. Turn `scale` to 1 and the "
        "gap shrinks (the offset of x2 alone still slows raw descent)."
    )
    raw_mse, std_mse = rows[0][4], rows[1][4]
    r.effect(
        "standardized features reach a lower held-out MSE in the same number of steps",
        std_mse < 0.5 * raw_mse,
        f"{std_mse:.3f} < 0.5 x {raw_mse:.3f}",
        asserted=scale >= 10 and steps <= 200,
    )


def add_ones(A):
    import torch

    return torch.cat([A, torch.ones(len(A), 1, dtype=A.dtype)], dim=1)  # (n, D + 1)


def mse_grad(A, y, w):
    """Gradient of mean((A w - y)^2) with respect to w: 2/n A^T (A w - y). A (n, D), w (D,)."""
    return 2 / len(A) * A.T @ (A @ w - y)
