"""Data leakage: information from the held-out data, or from the answer itself, reaching training,
so the held-out score promises what fresh data will not deliver."""

from __future__ import annotations

from typing import Any

from mlterms.demos.hand.metrics import blobs, linear_accuracy, logistic_fit, logits_of
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N, N_TRAIN, REPEATS, FRESH = 60, 40, 12, 2000


@demo(
    summary="Data leakage is information the model should not have at training time reaching it: test "
    "examples used in preprocessing or feature selection, or a feature that encodes the answer. The "
    "held-out score then rises falsely, and fresh data shows it.",
    params=[
        Param("features", "int", 500, "pure-noise features to select from", min=100, max=1000),
        Param("keep", "int", 10, "features kept by the selection", min=2, max=20),
    ],
)
def run(r: Report, *, features: int, keep: int) -> None:
    selection(r, features, keep)
    leaked_feature(r)
    r.exercise(
        "noise-accuracy",
        "Labels are coin flips independent of every feature. What accuracy does any model have on "
        "fresh data, on average?",
        0.5,
        tolerance=1e-3,
    )


def correlations(X, y):
    """(..., d) Pearson correlation of each column of X (..., n, d) with y (..., n)."""
    Xc = X - X.mean(-2, keepdim=True)
    yc = (y - y.mean(-1, keepdim=True))[..., None]  # (..., n, 1)
    return (Xc * yc).sum(-2) / (Xc.norm(dim=-2) * yc.norm(dim=-2))


def accuracy(w, X, y):
    """(...,) accuracy of each batched logistic model on its own (X, y)."""
    return ((logits_of(w, X) >= 0).long() == y).double().mean(-1)


def pick(X, idx):
    """Columns idx (R, keep) of X (R, n, d): (R, n, keep)."""
    return X.gather(-1, idx[:, None, :].expand(-1, X.shape[1], -1))


def selection(r: Report, features: int, keep: int) -> None:
    import torch

    s = r.section(f"choosing features with the test rows: {features} noise features, {REPEATS} datasets")
    X = torch.randn(REPEATS, N, features, dtype=torch.float64)
    y = (torch.rand(REPEATS, N) < 0.5).long()  # labels unrelated to every feature
    yf = y.double()
    # fresh rows: every feature is iid noise, so the kept columns of new rows are new noise
    Xf, yfresh = (
        torch.randn(REPEATS, FRESH, keep, dtype=torch.float64),
        (torch.rand(REPEATS, FRESH) < 0.5).long(),
    )
    tr, te = slice(0, N_TRAIN), slice(N_TRAIN, N)
    leaky_idx = correlations(X, yf).abs().topk(keep).indices  # (R, keep): chosen looking at all 60 rows
    clean_idx = correlations(X[:, tr], yf[:, tr]).abs().topk(keep).indices  # training rows only
    rows: list[list[Any]] = []
    for name, idx in (
        ("select on all rows, then split (leak)", leaky_idx),
        ("split, then select on training rows", clean_idx),
    ):
        w = logistic_fit(pick(X[:, tr], idx), y[:, tr], lam=1e-2)
        rows.append([name, float(accuracy(w, pick(X[:, te], idx), y[:, te]).mean()),
                     float(accuracy(w, Xf, yfresh).mean())])  # fmt: skip
    s.table(["pipeline", f"held-out accuracy ({N - N_TRAIN} rows)", f"fresh accuracy ({FRESH} rows)"], rows)
    s.note(
        f"Every label is a coin flip. Among {features} noise features some correlate with the labels by "
        "chance, on the held-out rows too if those rows took part in the choice: the leaky pipeline then "
        "scores well above 1/2 on its held-out rows and 1/2 on fresh data. Fitting a normalization, an "
        "imputation or a vocabulary on all rows is the same mistake, usually smaller; cross-validation "
        "must redo each step inside every fold (`mlterms demo cross-validation`)."
    )
    ref = torch.corrcoef(torch.cat([X[0].T, yf[0][None]]))[-1, :-1]  # row of y against each feature
    r.check_close("correlations by hand == torch.corrcoef", correlations(X[0], yf[0]), ref, atol=1e-12)
    r.effect(
        "the leak raises the held-out accuracy: leaky above clean by 0.1 or more",
        rows[0][1] > rows[1][1] + 0.1,
        f"{rows[0][1]:.3f} vs {rows[1][1]:.3f}",
        asserted=features >= 300 and keep <= 15,
    )
    r.effect(
        "fresh data exposes it: the leaky pipeline's fresh accuracy is near 1/2 (within 0.03)",
        abs(rows[0][2] - 0.5) < 0.03,
        f"{rows[0][2]:.3f}",
    )


def leaked_feature(r: Report) -> None:
    import torch

    s = r.section("a feature that is recorded after the outcome")
    sep = 1.0
    X, y = blobs(600, 2, sep)
    after = y.double() + 0.3 * torch.randn(600, dtype=torch.float64)  # eg 'refund issued' for fraud
    Xl = torch.cat([X, after[:, None]], 1)  # (N, 3)
    tr, te = slice(0, 400), slice(400, 600)
    clean, leaky = logistic_fit(X[tr], y[tr]), logistic_fit(Xl[tr], y[tr])
    Xf, yf = blobs(FRESH * 10, 2, sep)
    unknown = torch.full(
        (len(yf), 1), float(after[tr].mean()), dtype=torch.float64
    )  # not known yet: its mean
    clean_fresh = float(accuracy(clean, Xf, yf))
    rows: list[list[Any]] = [["without the feature", float(accuracy(clean, X[te], y[te])), clean_fresh],
            ["with the leaked feature", float(accuracy(leaky, Xl[te], y[te])),
             float(accuracy(leaky, torch.cat([Xf, unknown], 1), yf))]]  # fmt: skip
    s.table(["model", "held-out accuracy (200 rows)", f"deployed accuracy ({len(yf)} rows)"], rows)
    s.note(
        "The third column was filled in after the label was known (y + noise), so in the collected data "
        "it nearly is the answer, held-out rows included. When the model is used, the value does not "
        "exist yet: the training mean stands in, and the model, which leaned on it, does no better (often "
        "worse) than one that never saw it. Only the clean model's held-out number told the truth."
    )
    exact = linear_accuracy(clean, sep)
    se = (exact * (1 - exact) / len(yf)) ** 0.5
    r.check("clean model: accuracy on fresh data == its exact accuracy on the two Gaussians (within 4.5 SE)",
            abs(clean_fresh - exact) <= 4.5 * se, f"{clean_fresh:.4f} vs {exact:.4f}", kind="reference")  # fmt: skip
    gap_leaky, gap_clean = rows[1][1] - rows[1][2], rows[0][1] - rows[0][2]
    r.effect(
        "the leaked feature inflates the held-out accuracy: 0.2 or more above the deployed one, while "
        "the clean model's held-out accuracy is within 0.12 of its deployed",
        gap_leaky > 0.2 and abs(gap_clean) < 0.12,
        f"leaky {rows[1][1]:.3f} -> {rows[1][2]:.3f}, clean {rows[0][1]:.3f} -> {rows[0][2]:.3f}",
    )
