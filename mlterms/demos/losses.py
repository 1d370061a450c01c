"""Demos: losses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def l1_loss_by_hand(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> float:
    """Sum (or mean) of |pred - target| over every element, with a plain loop."""
    total, count = 0.0, 0
    for p, t in zip(pred.flatten().tolist(), target.flatten().tolist(), strict=True):
        total += abs(p - t)
        count += 1
    return total / count if reduction == "mean" else total


def l2_loss_by_hand(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Sum of squared errors over every element, with a plain loop."""
    total = 0.0
    for p, t in zip(pred.flatten().tolist(), target.flatten().tolist(), strict=True):
        total += (p - t) ** 2
    return total


@demo(
    "l1 loss",
    summary="L1 loss is the mean (or sum) of |prediction - target|; an outlier moves it far less than "
    "the squared error of L2/MSE, and its gradient per item never exceeds 1/n.",
)
def l1_loss(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    n = 6
    pred = torch.randn(n, dtype=torch.float64)  # (6,)
    target = pred + 0.5 * torch.randn(n, dtype=torch.float64)  # (6,)

    s = r.section("mean absolute error by hand")
    s.table(
        ["i", "pred", "target", "|pred - target|"],
        [[i, pred[i], target[i], (pred[i] - target[i]).abs()] for i in range(n)],
    )
    mae, total = l1_loss_by_hand(pred, target), l1_loss_by_hand(pred, target, "sum")
    s.scalar("L1 loss, mean (by hand)", mae)
    s.scalar("L1 loss, sum (by hand)", total)
    r.check_close("by hand == F.l1_loss(reduction='mean')", mae, F.l1_loss(pred, target), atol=1e-12)
    r.check_close(
        "by hand == F.l1_loss(reduction='sum')", total, F.l1_loss(pred, target, reduction="sum"), atol=1e-12
    )

    s = r.section("one outlier: L1 vs MSE")
    bad = target.clone()
    bad[0] += 10.0  # one mislabelled target
    l1_clean, l1_bad = F.l1_loss(pred, target), F.l1_loss(pred, bad)
    mse_clean, mse_bad = F.mse_loss(pred, target), F.mse_loss(pred, bad)
    s.table(
        ["targets", "L1 (mean)", "MSE (mean)"],
        [
            ["clean", l1_clean, mse_clean],
            ["target[0] + 10", l1_bad, mse_bad],
            ["increase", l1_bad - l1_clean, mse_bad - mse_clean],
        ],
    )
    s.note(
        "An error of 10 adds at most 10/n to L1 but about 100/n to MSE: squaring lets one bad point "
        "dominate. The best constant prediction under L1 is the median of the targets, under MSE their mean."
    )
    r.check("L1 rises by at most 10/n", float(l1_bad - l1_clean) <= 10 / n + 1e-12)
    r.check("MSE rises more than L1", float(mse_bad - mse_clean) > float(l1_bad - l1_clean))

    s = r.section("what training sees: the gradients")
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
    r.check("the outlier has the largest MSE gradient", int(g_mse.abs().argmax()) == 0)


@demo(
    "l2 loss",
    summary="L2 loss is the sum of squared errors; MSE divides it by the number of elements, which is "
    "the batch size only when each item has a single output.",
)
def l2_loss(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    pred = torch.randn(4, 3, dtype=torch.float64)  # (N, D): a batch of 4 items, 3 outputs each
    target = torch.randn(4, 3, dtype=torch.float64)  # (N, D)

    s = r.section("sum of squared errors by hand")
    s.tensor("pred", pred)
    s.tensor("target", target)
    s.tensor("squared errors (pred - target)^2", (pred - target) ** 2)
    sse = l2_loss_by_hand(pred, target)
    s.scalar("L2 loss = sum of squared errors (by hand)", sse)
    r.check_close(
        "by hand == F.mse_loss(reduction='sum')", sse, F.mse_loss(pred, target, reduction="sum"), atol=1e-12
    )
    norm = torch.linalg.vector_norm(pred - target)
    s.note(
        "L2 loss is the squared L2 norm of the error vector, not the norm itself; some texts halve it "
        "(e.g. TensorFlow's tf.nn.l2_loss = sum(t^2)/2) so the gradient is just the error."
    )
    s.scalar("||pred - target||_2 (not the loss)", norm)
    r.check_close("L2 loss == ||pred - target||_2 squared", sse, norm**2, atol=1e-12)

    s = r.section("MSE = L2 loss / number of elements")
    numel, batch = pred.numel(), pred.shape[0]
    mse = F.mse_loss(pred, target)  # reduction="mean" is the default
    s.table(
        ["", "value"],
        [
            ["L2 loss / elements (N*D = 12)", sse / numel],
            ["L2 loss / batch items (N = 4)", sse / batch],
            ["F.mse_loss (mean)", mse],
        ],
    )
    s.note(
        "The notes say MSE = L2 loss / item count in batch. That holds if 'count' means elements: with 3 "
        "outputs per item, F.mse_loss divides by 12, not by the batch size 4."
    )
    r.check_equal("elements = N * D", numel, 12)
    r.check_close("L2 loss / (N*D) == F.mse_loss(reduction='mean')", sse / numel, mse, atol=1e-12)
    r.check("L2 loss / N is not the MSE when D > 1", abs(sse / batch - float(mse)) > 1e-6)
