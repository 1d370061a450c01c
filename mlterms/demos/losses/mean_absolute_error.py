"""Mean absolute error: minimised by the median, its slope a count, read in the target's units."""

from __future__ import annotations

from mlterms.demos.hand.losses import l1_loss
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Mean absolute error is the average of |y - y_hat|, in the target's units (\"off by 3.2 on "
    "average\"); the constant that minimises it is the median, where MSE's is the mean.",
    params=[
        Param("n", "int", 500, "training targets", min=20, max=1000),
        Param(
            "dist", "choice", "exponential", "how waiting times are spread", choices=("exponential", "normal")
        ),
    ],
)
def run(r: Report, *, n: int, dist: str) -> None:
    import torch

    def waits(m: int):  # (m,) waiting times in minutes, mean 10
        if dist == "exponential":
            return torch.empty(m, dtype=torch.float64).exponential_(0.1)
        return 10 + 3 * torch.randn(m, dtype=torch.float64)

    train, held_out = waits(n), waits(4000)
    best = best_constant(r, train)
    slope(r, train)
    own_metric(r, train, held_out, best, asserted=dist == "exponential" and n >= 500)


def best_constant(r: Report, train) -> float:
    import torch

    s = r.section("the best constant prediction, by grid search")
    grid = torch.linspace(float(train.min()), float(train.max()), 2001, dtype=torch.float64)  # (G,)
    mae = (grid[:, None] - train[None, :]).abs().mean(dim=1)  # (G,)
    mse = ((grid[:, None] - train[None, :]) ** 2).mean(dim=1)  # (G,)
    c_mae, c_mse = float(grid[mae.argmin()]), float(grid[mse.argmin()])
    lo, hi = float(train.median()), -float((-train).median())  # torch.median is the lower median
    s.table(
        ["", "constant (minutes)", "training MAE"],
        [
            ["argmin of MAE on the grid", c_mae, mae.min()],
            ["torch.median", lo, l1_loss(train, torch.full_like(train, lo))],
            ["argmin of MSE on the grid", c_mse, (train - c_mse).abs().mean()],
            ["torch.mean", train.mean(), (train - train.mean()).abs().mean()],
        ],
        title=f"{len(train)} waiting times",
    )
    s.plot("training MAE of a constant prediction c", grid[::50], MAE=mae[::50])
    s.note(
        "MAE of a constant is minimised by any median (for an even count, anywhere between the two middle "
        "values); MSE's minimiser is the mean. For skewed data like waiting times they differ."
    )
    step = float(grid[1] - grid[0])
    r.check(
        "the MAE grid minimiser is a median (torch.median)",
        lo - step <= c_mae <= hi + step,
        f"{c_mae:.3f} in [{lo:.3f}, {hi:.3f}]",
        kind="reference",
    )
    r.check(
        "the MSE grid minimiser is the mean (torch.mean)",
        abs(c_mse - float(train.mean())) <= step,
        f"{c_mse:.3f} vs {float(train.mean()):.3f}",
        kind="reference",
    )
    return lo


def slope(r: Report, train) -> None:
    s = r.section("the slope of MAE(c) is a count")
    q = train.sort().values
    n = len(train)
    rows = []
    for k in (n // 10, n // 4, n // 2, 3 * n // 4):
        c = float(q[k] + q[k + 1]) / 2  # between two targets: the slope is defined there
        h = min(1e-7, float(q[k + 1] - q[k]) / 4)  # a nudge that crosses no target
        fd = (float((train - (c + h)).abs().mean()) - float((train - (c - h)).abs().mean())) / (2 * h)
        counted = (int((train < c).sum()) - int((train > c).sum())) / n
        rows.append([c, fd, counted])
    s.table(["c", "slope by finite differences", "(#below - #above) / n"], rows)
    s.note(
        "Moving c up by a little brings it closer to every target above and further from every target "
        "below: each counts 1/n, however far away it is. The slope is 0 where half lie on each side."
    )
    fds, counts = [row[1] for row in rows], [row[2] for row in rows]
    r.check(
        "finite differences == (#below - #above) / n",
        max(abs(a - b) for a, b in zip(fds, counts, strict=True)) < 1e-6,
        f"{fds[0]:.4f} vs {counts[0]:.4f}",
        kind="reference",
    )
    few = train[:9]  # (9,) a handful, to count by hand
    c = float(few.sort().values[2:4].mean())
    r.exercise(
        "slope",
        "What is the slope d MAE / d c of the constant prediction c on these targets?",
        (int((few < c).sum()) - int((few > c).sum())) / len(few),
        given={"targets": few, "c": c},
        tolerance=1e-3,
    )


def own_metric(r: Report, train, held_out, median: float, *, asserted: bool) -> None:
    s = r.section("each minimiser wins its own metric, held out")
    mean = float(train.mean())
    rows = [
        [name, c, (held_out - c).abs().mean(), ((held_out - c) ** 2).mean()]
        for name, c in (("median of the training targets", median), ("mean of the training targets", mean))
    ]
    s.table(["prediction", "minutes", "held-out MAE (minutes)", "held-out MSE (minutes^2)"], rows)
    s.note(
        f"The MAE reads directly: a constant guess of {median:.1f} minutes is off by {float(rows[0][2]):.1f} "
        "minutes on average. Choose the loss to match the metric you will report. "
        "The same loss from the optimisation side, with its gradient and an outlier: mlterms demo l1 loss."
    )
    r.effect(
        "the median has the lower held-out MAE",
        rows[0][2] < rows[1][2],
        f"{float(rows[0][2]):.3f} < {float(rows[1][2]):.3f}",
        asserted=asserted,
    )
    r.effect(
        "the mean has the lower held-out MSE",
        rows[1][3] < rows[0][3],
        f"{float(rows[1][3]):.3f} < {float(rows[0][3]):.3f}",
        asserted=asserted,
    )
