"""Training set: the examples the parameters are fitted to, and the only ones preprocessing may see."""

from __future__ import annotations

from mlterms.demos.hand.fitting import fit_polynomial, legendre_features, mse_of, noisy_sample
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

NOISE, DEGREE = 0.2, 5
REPEATS, KEEP = 20, 5  # leakage section: datasets drawn, features selected


@demo(
    summary="The training set is the examples the model learns from: the parameters are fitted to make "
    "the loss small on these. It is kept apart from the validation and test sets, and any "
    "preprocessing (e.g. normalization's mean and std) is fitted on it alone.",
    params=[
        Param("n", "int", 20, "training examples (as many held out)", min=12, max=60),
        Param(
            "features",
            "int",
            200,
            "pure-noise features to select from, in the leakage section",
            min=20,
            max=500,
        ),
    ],
)
def run(r: Report, *, n: int, features: int) -> None:
    fitted_to_these(r, n)
    standardize(r, n)
    leakage(r, n, features)


def fitted_to_these(r: Report, n: int) -> None:
    import torch

    s = r.section(f"the parameters are fitted to these {n} examples")
    train, held = noisy_sample(n, NOISE), noisy_sample(500, NOISE)
    w_train, w_held = fit_polynomial(*train, DEGREE), fit_polynomial(*held, DEGREE)
    X, Xh = legendre_features(train[0], DEGREE), legendre_features(held[0], DEGREE)  # (n, p) each
    g_train = 2 * X.T @ (X @ w_train - train[1]) / n  # (p,) gradient of the training MSE at the fit
    g_held = 2 * Xh.T @ (Xh @ w_train - held[1]) / len(held[1])  # (p,) gradient of the held-out MSE there
    s.table(
        ["weights fitted on", "training MSE", "held-out MSE"],
        [["the training set", mse_of(w_train, *train), mse_of(w_train, *held)],
         ["the held-out set (for comparison)", mse_of(w_held, *train), mse_of(w_held, *held)]],
        title=f"degree-{DEGREE} polynomial, least squares; 500 held-out examples",
    )  # fmt: skip
    s.table(
        ["at the fitted weights", "||gradient||"],
        [["of the training loss", g_train.norm()], ["of the held-out loss", g_held.norm()]],
    )
    s.note(
        "Fitting makes the training loss as small as it can be: its gradient is 0 there. The held-out "
        "loss is not at its minimum: other examples would have chosen other weights. So the training "
        "loss flatters the model; only examples it never saw can score it."
    )
    ref = torch.linalg.lstsq(X, train[1].unsqueeze(1)).solution.squeeze(1)
    r.check_close("normal equations == torch.linalg.lstsq", w_train, ref, atol=1e-9)
    r.check(
        "the training-loss gradient is 0 at the fit",
        float(g_train.norm()) < 1e-9,
        f"{float(g_train.norm()):.1e}",
        kind="property",
    )
    r.effect(
        "the training MSE is below the held-out MSE",
        mse_of(w_train, *train) < mse_of(w_train, *held),
        f"{mse_of(w_train, *train):.4f} < {mse_of(w_train, *held):.4f}",
    )


def standardize(r: Report, n: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("preprocessing is fitted on the training set only")
    train = torch.randn(n, 3, dtype=torch.float64) * torch.tensor([1.0, 10.0, 0.1]) + 5  # (n, 3)
    held = torch.randn(4, 3, dtype=torch.float64) * torch.tensor([1.0, 10.0, 0.1]) + 5  # (4, 3)
    mean, std = train.mean(0), train.std(0, unbiased=False)  # (3,) each, from the training set
    z_train, z_held = (train - mean) / std, (held - mean) / std
    s.table(
        ["feature", "training mean", "training std", "held-out mean after", "held-out std after"],
        [[j, mean[j], std[j], z_held[:, j].mean(), z_held[:, j].std(unbiased=False)] for j in range(3)],
    )
    s.note(
        "Standardization (z = (x - mean) / std) learns two numbers per feature, like any parameter, so "
        "they come from the training set, and the same numbers transform held-out and new examples. "
        "Those come out near, not exactly at, mean 0 and std 1, as they should. Computing the "
        "statistics on all the data lets the held-out examples leak into training; a single new "
        "example has no std of its own at all."
    )
    ref = F.batch_norm(train, None, None, training=True, eps=1e-12)  # standardizes each column over N
    r.check_close("standardize by hand == F.batch_norm(training=True, eps=1e-12)", z_train, ref, atol=1e-8)
    ok = bool(z_train.mean(0).abs().max() < 1e-9 and (z_train.std(0, unbiased=False) - 1).abs().max() < 1e-9)
    r.check("standardized training features have mean 0 and std 1", ok, kind="property")
    r.exercise(
        "standardize-new",
        "The training set of one feature has mean m and std s. What does a new example x become?",
        (7.0 - 4.0) / 2.0,
        given={"m": 4.0, "s": 2.0, "x": 7.0},
        tolerance=1e-6,
    )


def leakage(r: Report, n: int, features: int) -> None:
    import numpy as np
    import torch

    s = r.section(f"feature selection that peeks at held-out data ({REPEATS} datasets)")
    rows = []
    for _ in range(REPEATS):
        X = torch.randn(3 * n, features, dtype=torch.float64)  # (3n, D): train, held-out, fresh test
        y = torch.randn(3 * n, dtype=torch.float64)  # (3n,) independent of every feature: nothing to learn
        tr, ho, te = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
        row = []
        for seen in (tr, slice(0, 2 * n)):  # select on training only, or on training + held-out
            keep = top_correlated(X[seen], y[seen], KEEP)
            w = torch.linalg.lstsq(X[tr][:, keep], y[tr].unsqueeze(1)).solution.squeeze(1)  # (KEEP,)
            row += [float(((X[part][:, keep] @ w - y[part]) ** 2).mean()) for part in (ho, te)]
        rows.append(row)
    mean = np.array(rows).mean(0)  # honest held-out, honest test, leaky held-out, leaky test
    s.table(
        ["features chosen on", "held-out MSE", "fresh test MSE"],
        [["the training set", mean[0], mean[1]], ["training + held-out (leak)", mean[2], mean[3]]],
        title=f"y is noise, var 1; keep the {KEEP} of {features} features most correlated with y",
    )
    s.note(
        "No feature predicts y, so no model beats MSE 1 on new data. Choosing features with the "
        "held-out examples in view finds ones that happen to match them, and the held-out score looks "
        "good. The fresh test set shows the truth. Every step that learns from data (scaling, feature "
        "selection, imputation) belongs to the training side of the split."
    )
    r.effect(
        "the leaky held-out MSE is below the honest one",
        mean[2] < mean[0] - 0.2,
        f"{mean[2]:.3f} vs {mean[0]:.3f}",
    )
    r.effect(
        "the leaky held-out MSE is below its fresh test MSE",
        mean[2] < mean[3] - 0.2,
        f"{mean[2]:.3f} vs {mean[3]:.3f}",
    )


def top_correlated(X, y, k: int):
    """Indices of the k columns of X with the largest |correlation| with y."""
    Xc, yc = X - X.mean(0), y - y.mean()
    corr = (Xc * yc[:, None]).sum(0) / (Xc.norm(dim=0) * yc.norm())  # (D,)
    return corr.abs().topk(k).indices
