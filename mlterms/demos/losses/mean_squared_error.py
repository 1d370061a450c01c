"""Mean squared error: minimised by the mean, pulled by one outlier, and RMSE in the target's units."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Mean squared error is the average of (y - y_hat)^2; squaring punishes big errors much more "
    "than small ones, so one outlier can move a fit, and RMSE = sqrt(MSE) is back in the target's units.",
    params=[
        Param("n", "int", 30, "training points", min=10, max=200),
        Param("outlier", "float", 5.0, "how far (m) one training target is wrong", min=0, max=100),
    ],
)
def run(r: Report, *, n: int, outlier: float) -> None:
    import torch

    x = torch.rand(n, dtype=torch.float64)  # (n,) in [0, 1]
    x[-1] = 1.5  # one point far from the rest: high leverage
    y = 0.5 + 1.2 * x + 0.1 * torch.randn(n, dtype=torch.float64)  # (n,) heights in metres
    mean_minimises(r, y)
    one_outlier(r, x, y, outlier)


def mean_minimises(r: Report, y) -> None:
    import torch

    s = r.section("the best constant: the mean, and MSE(c) = variance + (c - mean)^2")
    grid = torch.linspace(float(y.min()), float(y.max()), 2001, dtype=torch.float64)  # (G,)
    curve = ((grid[:, None] - y[None, :]) ** 2).mean(dim=1)  # (G,)
    c = float(grid[curve.argmin()])
    closed = y.var(unbiased=False) + (grid - y.mean()) ** 2  # (G,)
    s.table(
        ["", "value (m)"],
        [["argmin of MSE on the grid", c], ["torch.mean", y.mean()], ["torch.median", y.median()]],
    )
    s.plot("training MSE of a constant prediction c (m^2)", grid[::100], MSE=curve[::100])
    s.note(
        "MSE(c) is a parabola with its bottom at the mean, as high there as the variance; the median, "
        "which minimises MAE (mlterms demo mean absolute error), sits a little up its side."
    )
    r.check(
        "the grid minimiser is the mean",
        abs(c - float(y.mean())) <= float(grid[1] - grid[0]),
        f"{c:.4f} vs {float(y.mean()):.4f}",
        kind="reference",
    )
    r.check_close("MSE(c) == var(y) + (c - mean)^2 (closed form)", curve, closed, atol=1e-9)


def lstsq_line(x, y):
    """Least-squares intercept and slope by the normal equations: x, y (n,) -> (2,)."""
    import torch

    A = torch.stack([torch.ones_like(x), x], dim=1)  # (n, 2)
    return torch.linalg.solve(A.T @ A, A.T @ y)


def one_outlier(r: Report, x, y, outlier: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("one wrong target pulls the whole line")
    bad = y.clone()
    bad[-1] += outlier  # the high-leverage point's target is wrong by `outlier` metres
    clean_fit, bad_fit = lstsq_line(x, y), lstsq_line(x, bad)
    A = torch.stack([torch.ones_like(x), x], dim=1)  # (n, 2)
    r.check_close(
        "normal equations == torch.linalg.lstsq",
        bad_fit,
        torch.linalg.lstsq(A, bad[:, None]).solution[:, 0],
        atol=1e-9,
    )
    hat = A @ torch.linalg.solve(A.T @ A, A.T)  # (n, n): predictions = hat @ targets
    shift = A @ (bad_fit - clean_fit)  # (n,) how every prediction moved
    r.check_close("every prediction moves by outlier * hat[:, last]", shift, outlier * hat[:, -1], atol=1e-9)
    x_val = torch.rand(2000, dtype=torch.float64) * 1.5  # held out, clean
    y_val = 0.5 + 1.2 * x_val + 0.1 * torch.randn(2000, dtype=torch.float64)
    A_val = torch.stack([torch.ones_like(x_val), x_val], dim=1)  # (2000, 2)
    rows = []
    for name, fit in (("clean targets", clean_fit), (f"one target + {outlier:g} m", bad_fit)):
        err = A_val @ fit - y_val  # (2000,)
        mse = F.mse_loss(A_val @ fit, y_val)
        rows.append([name, fit[0], fit[1], err.abs().mean(), mse, mse.sqrt()])
    s.table(
        ["trained on", "intercept", "slope", "MAE (m)", "MSE (m^2)", "RMSE (m)"],
        rows,
        title="held-out errors",
    )
    s.note(
        f"The wrong point sits at x = 1.5, far from the rest, so its leverage hat[last, last] = "
        f"{float(hat[-1, -1]):.3f}: the fit's prediction there moves by that fraction of the error. "
        "MSE is in m^2 (x 10^4 in cm^2), which is hard to read; RMSE = sqrt(MSE) is in metres, like MAE, "
        "and never below it."
    )
    r.check(
        "held-out RMSE >= MAE",
        all(row[5] >= row[3] for row in rows),
        f"{float(rows[0][5]):.4f} >= {float(rows[0][3]):.4f}",
        kind="property",
    )
    worse = float(rows[1][4]) > 2 * float(rows[0][4])
    r.effect(
        "one wrong target at least doubles the held-out MSE",
        worse,
        f"{float(rows[1][4]):.4f} > 2 x {float(rows[0][4]):.4f}",
        asserted=outlier >= 5,
    )
    r.exercise(
        "leverage",
        "The target of a point with leverage h is raised by d metres: by how much does the "
        "least-squares prediction at that point rise?",
        outlier * hat[-1, -1],
        given={"h": hat[-1, -1], "d": outlier},
        tolerance=1e-3,
    )
    r.exercise(
        "rmse-cm",
        "A model's held-out MSE is this many m^2: what is its RMSE in centimetres?",
        100 * rows[0][4].sqrt(),
        given={"MSE (m^2)": rows[0][4]},
        tolerance=1e-2,
    )
