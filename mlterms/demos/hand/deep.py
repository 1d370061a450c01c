"""Deep stacks by hand: a bias-free stack of linear layers and activations, with or without skips,
its backward pass written out layer by layer, and the init variances of Xavier and He.

Shapes: x (B, H) a batch of B inputs of width H; W_l (H, H) in nn.Linear's (out, in) layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.hand.activations import act, act_grad

if TYPE_CHECKING:
    import torch


def init_std(fan_in: int, fan_out: int, scheme: str) -> float:
    """The std of a zero-mean init: xavier sqrt(2 / (fan_in + fan_out)) (Glorot, for tanh),
    he sqrt(2 / fan_in) (Kaiming, for relu: relu halves the second moment), lecun sqrt(1 / fan_in)."""
    if scheme == "xavier":
        return (2 / (fan_in + fan_out)) ** 0.5
    if scheme == "he":
        return (2 / fan_in) ** 0.5
    return (1 / fan_in) ** 0.5


def forward(x: torch.Tensor, weights: list[torch.Tensor], name: str, skip: bool = False):
    """h_0 = x; z_l = h_{l-1} W_l^T; h_l = f(z_l), or h_{l-1} + f(z_l) with a skip (a residual block).

    Returns the inputs of every layer [h_0 .. h_L] and the pre-activations [z_1 .. z_L], (B, H) each."""
    hs, zs = [x], []
    for w in weights:
        z = hs[-1] @ w.T  # (B, H)
        zs.append(z)
        hs.append(hs[-1] + act(z, name) if skip else act(z, name))
    return hs, zs


def backward(weights, hs, zs, g_out: torch.Tensor, name: str, skip: bool = False):
    """The backward pass by the chain rule, given g_L = dL/dh_L (B, H): for l = L .. 1,
    delta_l = g_l * f'(z_l);  dL/dW_l = delta_l^T h_{l-1};  g_{l-1} = delta_l W_l (+ g_l with a skip).

    Returns [dL/dW_1 .. dL/dW_L] (H, H) each and [g_0 .. g_L] (B, H) each."""
    g, grads, gs = g_out, [], [g_out]
    for w, h, z in zip(reversed(weights), reversed(hs[:-1]), reversed(zs), strict=True):
        delta = g * act_grad(z, name)  # (B, H)
        grads.append(delta.T @ h)  # (H, H)
        g = delta @ w + (g if skip else 0)  # (B, H): the skip passes g through unchanged
        gs.append(g)
    return grads[::-1], gs[::-1]


def autograd_weight_grads(x, weights, g_out, name: str, skip: bool = False) -> list[torch.Tensor]:
    """dL/dW_l for L = sum(h_L * g_out), by autograd on torch's own activations (an independent path)."""
    import torch

    fns = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}
    leaves = [w.detach().clone().requires_grad_() for w in weights]
    h = x
    for w in leaves:
        a = fns[name](h @ w.T)
        h = h + a if skip else a
    return list(torch.autograd.grad((h * g_out).sum(), leaves))
