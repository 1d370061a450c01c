"""Backpropagation: the chain rule, layer by layer from the output back, against autograd."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

D, K = 3, 2  # inputs, outputs


def backprop_by_hand(x, y, W1, b1, W2, b2) -> dict[str, torch.Tensor]:
    """Gradients of MSE for x -> linear -> tanh -> linear, by the chain rule, layer by layer, backwards."""
    import torch

    # forward, keeping what backward needs
    z1 = x @ W1.T + b1  # (N, H)
    h = torch.tanh(z1)  # (N, H)
    out = h @ W2.T + b2  # (N, K)
    # backward: d loss / d (each tensor), same shape as the tensor
    d_out = 2 * (out - y) / out.numel()  # (N, K) loss = mean((out - y)^2) over N*K elements
    d_W2 = d_out.T @ h  # (K, H)
    d_b2 = d_out.sum(0)  # (K,)
    d_h = d_out @ W2  # (N, H)
    d_z1 = d_h * (1 - h**2)  # (N, H) tanh'(z) = 1 - tanh(z)^2
    d_W1 = d_z1.T @ x  # (H, D)
    d_b1 = d_z1.sum(0)  # (H,)
    return {"out": d_out, "W2": d_W2, "b2": d_b2, "h": d_h, "z1": d_z1, "W1": d_W1, "b1": d_b1}


def mse_of_net(x, y, W1, b1, W2, b2):
    import torch
    import torch.nn.functional as F

    return F.mse_loss(torch.tanh(x @ W1.T + b1) @ W2.T + b2, y)


@demo(
    summary="Backpropagation computes the gradient of the loss w.r.t. every parameter by the chain rule, "
    "from the output back, each layer reusing values saved in the forward pass; it only computes grads, "
    "the update is the optimizer's step.",
    params=[
        Param("n", "int", 4, "N, examples in the batch", min=1, max=16),
        Param("hidden", "int", 4, "H, hidden units", min=1, max=16),
    ],
)
def run(r: Report, *, n: int, hidden: int) -> None:
    import torch
    import torch.nn.functional as F

    dt, H = torch.float64, hidden
    x, y = torch.randn(n, D, dtype=dt), torch.randn(n, K, dtype=dt)  # (N, D), (N, K)
    W1 = (torch.randn(H, D, dtype=dt) / D**0.5).requires_grad_()  # (H, D)
    b1 = (0.1 * torch.randn(H, dtype=dt)).requires_grad_()  # (H,)
    W2 = (torch.randn(K, H, dtype=dt) / H**0.5).requires_grad_()  # (K, H)
    b2 = (0.1 * torch.randn(K, dtype=dt)).requires_grad_()  # (K,)
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    initial = {name: p.detach().clone() for name, p in params.items()}

    s = r.section("chain rule by hand vs autograd")
    z1 = x @ W1.T + b1  # (N, H)
    h = torch.tanh(z1)  # (N, H)
    out = h @ W2.T + b2  # (N, K)
    for t in (z1, h, out):
        t.retain_grad()  # keep the gradients of intermediate tensors too, to compare
    F.mse_loss(out, y).backward()
    grads = backprop_by_hand(x, y, *(p.detach() for p in params.values()))
    s.table(
        ["gradient", "shape", "chain rule"],
        [
            ["d out", "(N, K)", "2 (out - y) / (N*K)"],
            ["d W2", "(K, H)", "d_out^T @ h"],
            ["d b2", "(K,)", "d_out summed over the batch"],
            ["d h", "(N, H)", "d_out @ W2"],
            ["d z1", "(N, H)", "d_h * (1 - h^2)   (tanh')"],
            ["d W1", "(H, D)", "d_z1^T @ x"],
            ["d b1", "(H,)", "d_z1 summed over the batch"],
        ],
    )
    s.tensor("d W1 (by hand)", grads["W1"])
    s.tensor("d W2 (by hand)", grads["W2"])
    for name, t in {"out": out, "h": h, "z1": z1, **params}.items():
        r.check_close(f"d loss/d {name}: by hand == autograd .grad", grads[name], t.grad, atol=1e-12)
    numeric = central_differences(x, y, initial, "W1")
    r.check_close("d loss/d W1 by hand == central finite differences", grads["W1"], numeric, atol=1e-7)
    s.note(
        "Each layer takes the gradient w.r.t. its output and passes back the gradient w.r.t. its input, "
        "reusing h from the forward pass (tanh' = 1 - h^2). That is why the backward pass costs a small "
        "multiple (about 2-3x) of the forward pass and needs the saved activations in memory."
    )

    s = r.section("backprop computes gradients; the optimizer step uses them")
    r.check("after backward every parameter is unchanged", all(torch.equal(p, initial[k]) for k, p in params.items()),
            kind="property")  # fmt: skip
    s.note(
        "The original notes said backpropagation is 'use grads and params and learning rate => new "
        "params': that is the optimizer's step (eg SGD: p <- p - lr * p.grad), done afterwards. "
        "Backpropagation only fills the .grad tensors the step reads."
    )
    r.exercise("grad-shape", "W1 is (H, D): what shape is d loss / d W1?", [H, D], given={"W1 shape": [H, D]})
    r.exercise(
        "d-out",
        "loss = mean((out - y)^2) over all N*K elements: what is d loss / d out[0, 0]?",
        grads["out"][0, 0],
        given={"out": out.detach(), "y": y},
        tolerance=1e-4,
    )


def central_differences(x, y, params: dict, name: str, eps: float = 1e-6):
    """d loss / d params[name], one entry at a time: (loss(p + eps) - loss(p - eps)) / (2 eps)."""
    import torch

    grad = torch.zeros_like(params[name])
    for idx in range(grad.numel()):
        plus = {k: v.clone() for k, v in params.items()}
        minus = {k: v.clone() for k, v in params.items()}
        plus[name].view(-1)[idx] += eps
        minus[name].view(-1)[idx] -= eps
        grad.view(-1)[idx] = (mse_of_net(x, y, **plus) - mse_of_net(x, y, **minus)) / (2 * eps)
    return grad
