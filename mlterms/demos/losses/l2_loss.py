"""L2 loss: the sum of squared errors, and what MSE divides it by."""

from __future__ import annotations

from mlterms.demos.hand.losses import sum_squared_error
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="L2 loss is the sum of squared errors; MSE divides it by the number of elements, which is "
    "the batch size only when each item has a single output.",
    params=[
        Param("items", "int", 4, "N, items in the batch", min=1, max=64),
        Param("outputs", "int", 3, "D, outputs per item", min=1, max=16),
    ],
)
def run(r: Report, *, items: int, outputs: int) -> None:
    import torch
    import torch.nn.functional as F

    pred = torch.randn(items, outputs, dtype=torch.float64)  # (N, D)
    target = torch.randn(items, outputs, dtype=torch.float64)  # (N, D)

    s = r.section("sum of squared errors by hand")
    s.tensor("pred", pred)
    s.tensor("target", target)
    s.tensor("squared errors (pred - target)^2", (pred - target) ** 2)
    sse = sum_squared_error(pred, target)
    s.scalar("L2 loss = sum of squared errors (by hand)", sse)
    r.check_close(
        "by hand == F.mse_loss(reduction='sum')", sse, F.mse_loss(pred, target, reduction="sum"), atol=1e-9
    )
    norm = torch.linalg.vector_norm(pred - target)
    s.note(
        "L2 loss is the squared L2 norm of the error vector, not the norm itself; some texts halve it "
        "(TensorFlow's tf.nn.l2_loss is sum(t^2)/2) so that the gradient is just the error."
    )
    r.check_close("L2 loss == ||pred - target||_2 squared", sse, norm**2, atol=1e-9)

    s = r.section("MSE = L2 loss / number of elements")
    mse = F.mse_loss(pred, target)  # reduction="mean" is the default
    s.table(
        ["", "value"],
        [
            [f"L2 loss / elements (N*D = {items * outputs})", sse / (items * outputs)],
            [f"L2 loss / batch items (N = {items})", sse / items],
            ["F.mse_loss (mean)", mse],
        ],
    )
    s.note(
        "The original notes said MSE = L2 loss / item count in batch. That holds only with one output "
        f"per item: with D = {outputs}, F.mse_loss divides by N*D = {items * outputs}."
    )
    r.check_close("L2 loss / (N*D) == F.mse_loss(reduction='mean')", sse / (items * outputs), mse, atol=1e-9)
    r.exercise(
        "mse-divisor",
        "F.mse_loss(pred, target) with the default reduction divides the sum of squared errors by what?",
        items * outputs,
        given={"pred shape": [items, outputs]},
    )

    s = r.section("the gradient grows with the error")
    p = pred.clone().requires_grad_()
    F.mse_loss(p, target, reduction="sum").backward()
    r.check_close("autograd d(L2 loss)/d pred == 2 (pred - target)", p.grad, 2 * (pred - target), atol=1e-9)
    s.note("Each element is pulled in proportion to its error: the largest error gets the largest pull.")
    r.exercise(
        "grad-largest",
        "What is the largest |d(L2 loss)/d pred| over the elements (reduction='sum')?",
        (2 * (pred - target)).abs().max(),
        given={"pred": pred, "target": target},
        tolerance=1e-3,
    )
