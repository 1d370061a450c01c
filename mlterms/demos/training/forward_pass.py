"""Forward pass: model(params, inputs) => preds, then the loss, while autograd records the graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def linear_model(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """model(params, inputs) => preds."""
    W, b = params  # (D, 1), (1,)
    return x @ W + b  # (N, 1)


def autograd_graph(t: torch.Tensor, leaf_names: dict[int, str]) -> list[list[str]]:
    """The recorded graph behind t, from the output back to the leaves: [node, its inputs]."""
    root = t.grad_fn
    assert root is not None, "t must come out of a recorded computation"
    rows: list[list[str]] = []
    todo = [root]
    while todo:
        fn = todo.pop(0)
        inputs = [f for f, _ in fn.next_functions if f is not None]
        rows.append([_node_name(fn, leaf_names), ", ".join(_node_name(f, leaf_names) for f in inputs) or "-"])
        todo += inputs
    return rows


def _node_name(fn, leaf_names: dict[int, str]) -> str:
    name = type(fn).__name__
    if name == "AccumulateGrad":  # the node that writes a leaf tensor's .grad
        name += f" ({leaf_names.get(id(fn.variable), '?')})"
    return name


@demo(
    summary="The forward pass runs model(params, inputs) => preds, then the loss; it computes no "
    "gradients itself: autograd records the operations on the way so that backprop can compute them.",
    params=[
        Param("n", "int", 4, "N, examples in the batch", min=1, max=16),
        Param("d", "int", 3, "D, input features", min=1, max=8),
    ],
)
def run(r: Report, *, n: int, d: int) -> None:
    import torch
    import torch.nn.functional as F

    dt = torch.float64
    x, y = torch.randn(n, d, dtype=dt), torch.randn(n, 1, dtype=dt)  # (N, D) inputs, (N, 1) targets
    W = torch.randn(d, 1, dtype=dt, requires_grad=True)  # (D, 1)
    b = torch.zeros(1, dtype=dt, requires_grad=True)  # (1,)

    s = r.section("forward: preds and loss")
    preds = linear_model([W, b], x)  # (N, 1)
    loss = (preds - y).abs().sum()  # the glossary's loss: sum |preds - targets|
    hand = [sum(x[i, j].item() * W[j, 0].item() for j in range(d)) + b.item() for i in range(n)]
    hand_loss = sum(abs(p - t) for p, t in zip(hand, y[:, 0].tolist(), strict=True))
    s.table(["i", "pred (by hand)", "pred", "target"], [[i, hand[i], preds[i, 0], y[i, 0]] for i in range(n)])
    s.scalar("loss = sum |preds - targets|", loss)
    s.note(
        "sum |preds - targets| is the L1 loss with reduction='sum' (divide by N for the mean absolute "
        "error); it is one choice of loss among many (MSE, cross-entropy, ...)."
    )
    r.check_close("preds by hand (loops) == x @ W + b", torch.tensor(hand, dtype=dt).unsqueeze(1),
                  preds.detach(), atol=1e-12)  # fmt: skip
    r.check_close("loss by hand (loops) == F.l1_loss(reduction='sum')", hand_loss,
                  F.l1_loss(preds.detach(), y, reduction="sum"), atol=1e-12)  # fmt: skip

    s = r.section("what the forward pass records")
    s.table(["autograd node", "inputs"], autograd_graph(loss, {id(W): "W", id(b): "b"}))
    s.note(
        "The forward pass computes no gradients: it records which operation made each tensor (grad_fn) "
        "and saves what the backward pass will need (here x and the signs of preds - y). "
        "loss.backward() then walks this graph back to the leaves W and b, at a cost of a small "
        "multiple (about 2-3x) of the forward pass, and the saved tensors are the memory price."
    )
    r.check("after forward, W.grad is still None", W.grad is None, kind="property")
    loss.backward()
    r.check_close("after backward, W.grad == x^T sign(preds - y) (by hand)", W.grad,
                  x.T @ torch.sign(preds - y).detach(), atol=1e-12)  # fmt: skip
    with torch.no_grad():
        inference = (linear_model([W, b], x) - y).abs().sum()
    r.check("under torch.no_grad() nothing is recorded (grad_fn is None)", inference.grad_fn is None,
            kind="property")  # fmt: skip
    r.exercise("preds-shape", "x is (N, D) and W is (D, 1): what shape is preds = x @ W + b?", [n, 1],
               given={"x shape": [n, d], "W shape": [d, 1]})  # fmt: skip
    r.exercise(
        "loss-value",
        "What is loss = sum |preds - targets| for these predictions?",
        loss.detach(),
        given={"preds": preds.detach()[:, 0], "targets": y[:, 0]},
        tolerance=1e-3,
    )
