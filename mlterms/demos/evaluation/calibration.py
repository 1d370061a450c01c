"""Calibration: predicted probabilities that match observed frequencies; the reliability table, the
expected calibration error, and temperature scaling fitted on validation data."""

from __future__ import annotations

from mlterms.demos.hand.metrics import blobs, logistic_fit, logits_of, reliability, roc_points, trapezoid
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 30  # features: only x0 carries signal, the rest let a small training set overfit


@demo(
    summary="A classifier is calibrated when its predicted probabilities match how often it is right: "
    "of the examples given 0.8, about 80% are positive. The reliability table and the expected "
    "calibration error (ECE) measure it; temperature scaling fixes overconfidence on held-out data.",
    params=[
        Param(
            "n_train",
            "int",
            60,
            "training examples (few: the fit overfits and is overconfident)",
            min=40,
            max=400,
        ),
        Param("bins", "int", 10, "equal-width probability bins", min=4, max=20),
    ],  # fmt: skip
)
def run(r: Report, *, n_train: int, bins: int) -> None:
    w = logistic_fit(*blobs(n_train, D, 1.5), lam=1e-4)
    Xv, yv = blobs(1000, D, 1.5)
    Xt, yt = blobs(5000, D, 1.5)
    zt = logits_of(w, Xt)
    ece_before = table(r, zt, yt, bins)
    T = temperature(r, logits_of(w, Xv), yv)
    after(r, zt, yt, bins, T, ece_before)


def table(r: Report, z, y, bins: int) -> float:
    import torch

    s = r.section(f"reliability table on {len(y)} test examples")
    s.note(
        f"A logistic regression fitted on few examples with {D} features (one informative) learns big "
        "weights: its probabilities sigmoid(z) are too close to 0 and 1 on new data. Bin the test "
        "predictions by probability and compare each bin's mean prediction with its share of positives."
    )
    p = torch.sigmoid(z)
    rows, ece = reliability(p, y, bins)
    s.table(
        ["bin from", "to", "examples", "mean predicted", "share positive", "gap"],
        [[*row, row[3] - row[4]] for row in rows],
    )
    s.scalar("ECE = sum over bins of (count / N) |mean predicted - share positive|", ece)
    which = torch.bucketize(p, torch.linspace(0, 1, bins + 1, dtype=p.dtype)[1:-1], right=True)  # (N,)
    conf = torch.zeros(bins, dtype=p.dtype).scatter_add_(0, which, p)
    pos = torch.zeros(bins, dtype=p.dtype).scatter_add_(0, which, y.double())
    ref = float(((conf - pos).abs()).sum()) / len(y)  # sum_b |sum p - sum y| / N == sum_b n_b/N |mean gap|
    r.check_close("ECE by the bin loop == bucketize + scatter_add sums", ece, ref, atol=1e-12)
    return ece


def nll(z, y, beta):
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(z * beta, y.double())


def temperature(r: Report, z, y) -> float:
    import torch

    s = r.section("temperature scaling: one number fitted on validation data")
    # NLL(beta), beta = 1 / T, is convex: its derivative mean(z (sigmoid(beta z) - y)) rises with
    # beta, so bisection on the derivative's sign finds the minimum.
    lo, hi = 1e-4, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if float((z * (torch.sigmoid(mid * z) - y.double())).mean()) > 0:
            hi = mid
        else:
            lo = mid
    beta = torch.tensor((lo + hi) / 2, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(nll(z, y, beta), beta)
    by_hand = float((z * (torch.sigmoid(beta.detach() * z) - y.double())).mean())
    T = 1 / float(beta.detach())
    grid = [[t, float(nll(z, y, 1 / t))] for t in (0.5, 1.0, 2.0, T, 4.0, 8.0)]
    s.table(["T", "validation NLL of sigmoid(z / T)"], sorted(grid))
    s.note(
        f"p = sigmoid(z / T) with T = {T:.2f} > 1 pulls the probabilities toward 1/2. T is chosen on the "
        "validation set, never on the test set (`mlterms demo test set`). See `mlterms demo temperature` "
        "for the same division inside a softmax."
    )
    r.check_close(
        "d NLL / d(1/T) by hand, mean(z (sigmoid(z / T) - y)) == autograd", by_hand, float(g), atol=1e-12
    )
    best = min(v for _, v in grid)
    r.check("the fitted T is a minimum: derivative 0 there, and no grid T has a lower NLL",
            abs(float(g)) < 1e-8 and best >= float(nll(z, y, 1 / T)) - 1e-12, f"gradient {float(g):.1e}",
            kind="property")  # fmt: skip
    return T


def auc(z, y) -> float:
    return trapezoid(*roc_points(z, y)[:2])


def after(r: Report, z, y, bins: int, T: float, ece_before: float) -> None:
    import torch

    s = r.section(f"the same test set after temperature scaling (T = {T:.2f})")
    rows, ece = reliability(torch.sigmoid(z / T), y, bins)
    s.table(
        ["bin from", "to", "examples", "mean predicted", "share positive", "gap"],
        [[*row, row[3] - row[4]] for row in rows],
    )
    s.table(["", "ECE", "accuracy", "AUC"],
            [["before", ece_before, float(((z >= 0).long() == y).double().mean()), auc(z, y)],
             ["after", ece, float(((z / T >= 0).long() == y).double().mean()), auc(z / T, y)]])  # fmt: skip
    s.note(
        "Dividing by T > 0 keeps the order of the scores and their signs, so accuracy and AUC do not move "
        "(`mlterms demo area under the curve`): calibration is a separate property from ranking."
    )
    r.check("accuracy and AUC unchanged by the temperature", auc(z, y) == auc(z / T, y)
            and bool(((z >= 0) == (z / T >= 0)).all()), "same order, same signs", kind="property")  # fmt: skip
    r.effect("temperature scaling (fitted on validation) lowers the test ECE by a third or more",
             ece < 2 / 3 * ece_before, f"{ece_before:.4f} -> {ece:.4f}")  # fmt: skip
