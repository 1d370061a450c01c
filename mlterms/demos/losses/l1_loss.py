"""L1 loss: the mean absolute error, its gradient, and why an outlier barely moves it."""

from __future__ import annotations

from mlterms.demos.hand.losses import l1_loss
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="L1 loss is the mean (or sum) of |prediction - target|; an outlier moves it far less than "
    "the squared error of L2/MSE, and its gradient per item never exceeds 1/n.",
    params=[
        Param("n", "int", 20, "training targets", min=5, max=200),
        Param("outlier", "float", 10.0, "how far the outlying targets sit above the rest", min=0, max=100),
    ],
)
def run(r: Report, *, n: int, outlier: float) -> None:
    import torch
    import torch.nn.functional as F

    pred = torch.randn(6, dtype=torch.float64)  # (6,)
    target = pred + 0.5 * torch.randn(6, dtype=torch.float64)  # (6,)
    r.exercise(
        "mae",
        "What is the L1 loss (mean reduction) of pred against target?",
        F.l1_loss(pred, target),
        given={"pred": pred, "target": target},
        tolerance=1e-3,
    )
    by_hand(r, pred, target)
    gradients(r, pred, target)
    best_constant(r, n, outlier)


def by_hand(r: Report, pred, target) -> None:
    import torch.nn.functional as F

    s = r.section("mean absolute error by hand")
    s.table(
        ["i", "pred", "target", "|pred - target|"],
        [[i, pred[i], target[i], (pred[i] - target[i]).abs()] for i in range(len(pred))],
    )
    mae, total = l1_loss(pred, target), l1_loss(pred, target, "sum")
    s.scalar("L1 loss, mean (by hand)", mae)
    s.scalar("L1 loss, sum (by hand)", total)
    r.check_close("by hand == F.l1_loss(reduction='mean')", mae, F.l1_loss(pred, target), atol=1e-12)
    r.check_close(
        "by hand == F.l1_loss(reduction='sum')", total, F.l1_loss(pred, target, reduction="sum"), atol=1e-12
    )


def gradients(r: Report, pred, target) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("one bad target: what training sees")
    bad = target.clone()
    bad[0] += 10.0  # one mislabelled target
    n = len(pred)
    s.table(
        ["targets", "L1 (mean)", "MSE (mean)"],
        [
            ["clean", F.l1_loss(pred, target), F.mse_loss(pred, target)],
            ["target[0] + 10", F.l1_loss(pred, bad), F.mse_loss(pred, bad)],
        ],
    )
    rise = float(F.l1_loss(pred, bad) - F.l1_loss(pred, target))
    r.check(
        "L1 rises by at most 10/n (triangle inequality)",
        rise <= 10 / n + 1e-12,
        f"{rise:.3f} <= {10 / n:.3f}",
        kind="property",
    )
    p = pred.clone().requires_grad_()
    F.l1_loss(p, bad).backward()
    g_l1 = p.grad.clone()
    p.grad = None
    F.mse_loss(p, bad).backward()
    g_mse = p.grad.clone()
    err = pred - bad  # (6,)
    s.table(
        ["i", "error", "d L1 / d pred", "d MSE / d pred"], [[i, err[i], g_l1[i], g_mse[i]] for i in range(n)]
    )
    s.note(
        "dL1/dpred = sign(error)/n: every point pulls equally hard. "
        "dMSE/dpred = 2*error/n: the outlier pulls hardest."
    )
    r.check_close("autograd L1 gradient == sign(error)/n", g_l1, torch.sign(err) / n, atol=1e-12)
    r.check_close("autograd MSE gradient == 2*error/n", g_mse, 2 * err / n, atol=1e-12)


def best_constant(r: Report, n: int, outlier: float) -> None:
    import torch

    s = r.section("the best constant: median under L1, mean under MSE")
    k = max(1, n // 5)  # a fifth of the targets are outliers
    train = 2.0 + torch.randn(n, dtype=torch.float64)  # (n,)
    train[:k] += outlier
    held_out = 2.0 + torch.randn(500, dtype=torch.float64)  # (500,) clean, as the world is
    grid = torch.linspace(float(train.min()), float(train.max()), 4001, dtype=torch.float64)  # (G,)
    l1_curve = (grid[:, None] - train[None, :]).abs().mean(dim=1)  # (G,)
    c_l1 = float(grid[l1_curve.argmin()])
    c_mse = float(train.mean())  # the minimiser of the mean squared error, in closed form
    median = float(train.median())
    s.table(
        ["constant", "value", "held-out MAE"],
        [
            ["argmin of L1 on a grid", c_l1, (held_out - c_l1).abs().mean()],
            ["median of the targets", median, (held_out - median).abs().mean()],
            ["mean (argmin of MSE)", c_mse, (held_out - c_mse).abs().mean()],
        ],
        title=f"{n} targets, {k} of them {outlier:g} too high",
    )
    step = float(grid[1] - grid[0])
    lo, hi = float(train.sort().values[(n - 1) // 2]), float(train.sort().values[n // 2])
    r.check(
        "the L1 minimiser is a median",
        lo - step <= c_l1 <= hi + step,
        f"{c_l1:.3f} in [{lo:.3f}, {hi:.3f}]",
        kind="reference",
    )
    better = float((held_out - c_l1).abs().mean()) < float((held_out - c_mse).abs().mean())
    r.effect(
        "with outliers, the L1 fit is closer to held-out data than the MSE fit", better, asserted=outlier >= 5
    )
    r.exercise(
        "best-constant",
        "Which constant prediction minimises the L1 loss against these targets?",
        median if n % 2 else (lo + hi) / 2,
        given={"targets": train},
        tolerance=max(1e-3, (hi - lo) / 2 + 1e-9),
    )
