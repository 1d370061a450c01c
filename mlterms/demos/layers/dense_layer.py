"""Dense layer: y = x W^T + b by loops, its Jacobian, its gradients, and its parameter count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def dense_by_hand(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """y[n, j] = b[j] + sum_i x[n, i] * W[j, i]; x (N, in), W (out, in) as nn.Linear stores it, b (out,)."""
    N, n_in = x.shape
    y = x.new_zeros(N, W.shape[0])  # (N, out)
    for n in range(N):
        for j in range(W.shape[0]):
            y[n, j] = b[j] + sum(x[n, i] * W[j, i] for i in range(n_in))
    return y


@demo(
    summary="A dense (fully connected) layer connects every output to every input: y = x W^T + b, "
    "with n_in * n_out + n_out parameters; by loops, against nn.Linear, and its gradients.",
    params=[
        Param("n_in", "int", 4, "inputs per example", min=1, max=12),
        Param("n_out", "int", 3, "outputs per example", min=1, max=12),
    ],
)
def run(r: Report, *, n_in: int, n_out: int) -> None:
    import torch
    from torch import nn

    layer = nn.Linear(n_in, n_out).double()
    x = torch.randn(2, n_in, dtype=torch.float64)  # (N, in)
    W, b = layer.weight.detach(), layer.bias.detach()  # (out, in), (out,)

    s = r.section("y = x W^T + b by hand")
    s.note("Output j is a weighted sum of ALL inputs plus a bias: y[n, j] = b[j] + sum_i x[n, i] W[j, i].")
    s.tensor("x (N, in)", x)
    s.tensor("W (out, in)", W)
    s.tensor("b (out,)", b)
    y = dense_by_hand(x, W, b)
    s.tensor("y (N, out)", y)
    with torch.no_grad():
        ref = layer(x)
    r.check_close("loops == nn.Linear", y, ref, atol=1e-12)
    r.exercise(
        "output-j",
        "What is output 0 of this example: b[0] + sum_i x[i] W[0, i]?",
        y[0, 0],
        given={"x": x[0], "W[0]": W[0], "b[0]": b[0]},
        tolerance=1e-3,
    )

    s = r.section("every input connected to every output")
    jac = torch.autograd.functional.jacobian(layer, x[0])  # (out, in): d y_j / d x_i
    s.tensor("d y / d x (the Jacobian)", jac)
    s.note("The derivative of output j by input i is W[j, i]: each of the in*out weights is one connection.")
    r.check_close("autograd Jacobian == W", jac, W, atol=1e-12)

    s = r.section("the gradients of a loss: dW = g^T x, db = sum of g, dx = g W")
    xl = x.clone().requires_grad_()
    out = layer(xl)  # (N, out)
    g = torch.randn_like(out)  # d loss / d y
    (out * g).sum().backward()
    s.note(
        "With g = d loss / d y (N, out): dW = g^T x (out, in), summed over the batch; db = g summed over "
        "the batch; dx = g W (N, in), what flows back to the layer below."
    )
    r.check_close("dW by hand == autograd", g.T @ x, layer.weight.grad, atol=1e-12)
    r.check_close("db by hand == autograd", g.sum(0), layer.bias.grad, atol=1e-12)
    r.check_close("dx by hand == autograd", g @ W, xl.grad, atol=1e-12)

    s = r.section("parameters: n_in * n_out + n_out")
    n_params = sum(p.numel() for p in layer.parameters())
    s.table(
        ["layer", "n_in * n_out + n_out", "parameters"],
        [
            [f"Linear({n_in}, {n_out})", f"{n_in} * {n_out} + {n_out}", n_params],
            ["Linear(784, 128), the glossary's example", "784 * 128 + 128", 784 * 128 + 128],
        ],
    )
    r.check_equal(
        "nn.Linear's parameter count == n_in * n_out + n_out",
        n_params,
        n_in * n_out + n_out,
        kind="reference",
    )
    r.exercise(
        "parameters",
        "How many parameters does this layer have?",
        (n_in + 1) * (2 * n_out),
        given={"layer": f"nn.Linear({n_in}, {2 * n_out})"},
    )
