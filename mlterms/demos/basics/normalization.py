"""Normalization: min-max rescaling to a fixed range, fitted on the training set and reused on new data."""

from __future__ import annotations

from mlterms.demos.hand.normalization import mean_std_by_hand, min_max
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Normalization converts the actual range of values to a standard range such as 0 to 1 or "
    "-1 to 1 (min-max: (x - min) / (max - min)), with min and max taken from the training set only; "
    "the z-score is standardization, which has no fixed range.",
    params=[
        Param("lo", "float", 0.0, "bottom of the target range", min=-5.0, max=0.0),
        Param("hi", "float", 1.0, "top of the target range", min=0.5, max=5.0),
        Param(
            "outlier", "float", 1000.0, "a value far above the rest, to squash the range", min=100, max=1e5
        ),
    ],
)
def run(r: Report, *, lo: float, hi: float, outlier: float) -> None:
    import torch

    x = 50 + 10 * torch.randn(6, dtype=torch.float64)  # (6,)
    s = r.section(f"min-max: the smallest value goes to {lo:g}, the largest to {hi:g}")
    small, big = min(x.tolist()), max(x.tolist())
    r.check_close(
        "min, max by a loop == torch.aminmax",
        torch.tensor([small, big], dtype=torch.float64),
        torch.stack(torch.aminmax(x)),
        0,
    )
    y = min_max(x, lo, hi)
    s.table(["x", f"min-max [{lo:g}, {hi:g}]"], [[a, b] for a, b in zip(x.tolist(), y.tolist(), strict=True)])
    s.note(f"y = {lo:g} + (x - min) / (max - min) * ({hi:g} - {lo:g}): a straight line through two points.")
    ends = torch.tensor([float(y.min()), float(y.max())], dtype=torch.float64)
    r.check_close(
        f"the result spans exactly [{lo:g}, {hi:g}]",
        ends,
        torch.tensor([lo, hi], dtype=torch.float64),
        1e-12,
        kind="property",
    )
    order = torch.equal(torch.argsort(y), torch.argsort(x))
    r.check("the order of the values is kept", order, kind="property")
    v = float(x.mean() + 30)
    r.exercise(
        "new-value",
        f"min-max fitted on x to [{lo:g}, {hi:g}]: where does the new value v go?",
        lo + (v - small) / (big - small) * (hi - lo),
        given={"x": x, "v": v},
        tolerance=1e-3,
    )
    z_has_no_range(r)
    fit_on_train(r, lo, hi)
    squashed(r, x, lo, hi, outlier)
    neighbours(r)


def z_has_no_range(r: Report) -> None:
    import torch

    s = r.section("the z-score is standardization: no fixed range")
    rows = []
    for n in (6, 50, 1000):
        values = torch.randn(n, dtype=torch.float64).tolist()
        mean, std = mean_std_by_hand(values)
        z = [(v - mean) / std for v in values]
        rows.append([n, min(z), max(z), (n - 1) ** 0.5])
    within = all(max(-row[1], row[2]) <= row[3] + 1e-12 for row in rows)
    r.check("every |z| <= sqrt(n - 1), the bound for n values (Samuelson)", within, kind="property")
    s.table(["n values (normal)", "min z", "max z", "bound sqrt(n - 1)"], rows)
    s.note(
        "z = (x - mean) / std gives mean 0 and std 1, but its extremes grow with the number of values: "
        "it is standardization, not a rescaling to a range. See `mlterms demo standardization`."
    )


def fit_on_train(r: Report, lo: float, hi: float) -> None:
    import torch

    s = r.section("fit min and max on the training set, reuse them on new data")
    size = 40 + 120 * torch.rand(30, dtype=torch.float64)  # (30,) training houses, m^2
    price = 3 * size + 20 * torch.randn(30, dtype=torch.float64)  # k$
    new = 120 + 40 * torch.rand(10, dtype=torch.float64)  # (10,) a new batch: big houses only
    new_price = 3 * new + 20 * torch.randn(10, dtype=torch.float64)
    u = min_max(size, lo, hi)
    A = torch.stack([u, torch.ones_like(u)], dim=1)  # (30, 2)
    w = torch.linalg.lstsq(A, price).solution  # price ~ w0 * scaled size + w1
    kept = min_max(new, lo, hi, fit=size)  # the training set's min and max
    refit = min_max(new, lo, hi)  # min and max of the new batch itself
    s.scalar("training min size", size.min())
    s.scalar("training max size", size.max())
    s.tensor("new sizes (m^2)", new)
    s.tensor("scaled with the training min, max", kept)
    s.tensor("scaled with the new batch's own min, max", refit)
    err_kept = float(((kept * w[0] + w[1] - new_price) ** 2).mean().sqrt())
    err_refit = float(((refit * w[0] + w[1] - new_price) ** 2).mean().sqrt())
    s.table(
        ["transform for the new batch", "held-out RMSE (k$)"],
        [["training min, max (the rule)", err_kept], ["refitted on the new batch", err_refit]],
    )
    s.note(
        "The model learned what a scaled size means on the training set. Refitted on a batch of big "
        f"houses, the smallest of them becomes {lo:g}, as if it were the smallest house ever seen, and "
        f"its price is predicted as such. New values may fall outside [{lo:g}, {hi:g}]: that is expected."
    )
    r.effect(
        "reusing the training min, max beats refitting on new data (held-out error)",
        err_kept < 0.5 * err_refit,
        f"{err_kept:.1f} < 0.5 x {err_refit:.1f}",
    )


def squashed(r: Report, x, lo: float, hi: float, outlier: float) -> None:
    import torch

    s = r.section("one outlier squashes min-max")
    xo = torch.cat([x, torch.tensor([outlier], dtype=torch.float64)])  # (7,)
    yo = min_max(xo, lo, hi)
    s.tensor(f"min-max [{lo:g}, {hi:g}] of x and {outlier:g}", yo)
    share = float(yo[:6].max() - yo[:6].min()) / (hi - lo)
    s.scalar("share of the range left to the 6 ordinary values", share)
    s.note("Clip outliers or use a robust scale (median, quantiles) before min-max scaling.")


def neighbours(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("other things called normalization")
    v = torch.randn(3, 4, dtype=torch.float64)  # (N, D)
    by_hand = v / (v**2).sum(dim=1, keepdim=True).sqrt()  # each row divided by its length
    r.check_close("rows / their L2 length == F.normalize(v, dim=1)", by_hand, F.normalize(v, dim=1), 1e-12)
    s.note(
        "F.normalize makes vectors unit length (as for cosine similarity); batch and layer norm "
        "standardize activations inside a network (`mlterms demo batch normalization`). Same word, "
        "three different maps."
    )
