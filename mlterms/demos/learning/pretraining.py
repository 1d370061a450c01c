"""Pretraining: fit a big related task first, then start the small task from those weights; with few
examples, gradient descent never moves the weights in the directions the examples cannot see."""

from __future__ import annotations

from mlterms.demos.hand.training import gd
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

DIM, BIG, NOISE = 20, 200, 0.1  # weights, examples of the pretraining task, label noise
PRE_LR, PRE_STEPS = 0.2, 60
LR = 0.04  # on the small task: few examples make the loss curvature larger, up to ~2 (1 + sqrt(D / n))^2


def task(w, n: int):
    """n examples of the linear task y = x . w + noise: x (n, D) ~ N(0, I), y (n, 1)."""
    import torch

    x = torch.randn(n, len(w), dtype=w.dtype)
    return x, x @ w[:, None] + NOISE * torch.randn(n, 1, dtype=w.dtype)


def train(w0, x, y, steps: int, lr: float = LR, test=None):
    """Full-batch gradient descent on the mean squared error from w0 (D,). Returns w (D,), the training
    losses and, if a held-out set test = (x, y) is given, the held-out MSE before each step and after the last."""
    import torch
    import torch.nn.functional as F

    w = w0.clone().requires_grad_()
    held: list[float] = []

    def loss():  # gd calls it before every step and after the last one
        if test is not None:
            with torch.no_grad():
                held.append(float(F.mse_loss(test[0] @ w[:, None], test[1])))
        return F.mse_loss(x @ w[:, None], y)

    losses = gd([w], loss, lr, steps)
    return w.detach(), losses, held


def gd_closed_form(w0, x, y, steps: int):
    """Gradient descent on a quadratic, in closed form: with H = 2 X^T X / n and g0 the gradient at w0,
    w_T = w0 - (I - (I - lr H)^T) H^+ g0 (g0 lies in the range of H, so H^+ undoes H there)."""
    import torch

    h = 2 * x.T @ x / len(x)  # (D, D)
    g0 = 2 * x.T @ (x @ w0[:, None] - y) / len(x)  # (D, 1)
    eye = torch.eye(len(w0), dtype=w0.dtype)
    decay = torch.linalg.matrix_power(eye - LR * h, steps)
    return w0 - ((eye - decay) @ torch.linalg.pinv(h) @ g0)[:, 0]


@demo(
    summary="Pretraining trains a model on a large, related task first; its weights are then the starting "
    "point for the task one cares about, which may have far fewer examples (fine tuning).",
    params=[
        Param("n", "int", 8, "examples of the small task", min=2, max=40),
        Param("steps", "int", 20, "gradient steps allowed on the small task (the budget)", min=1, max=100),
        Param("related", "float", 0.9, "cosine between the two tasks' true weights", min=0.0, max=1.0),
    ],
)
def run(r: Report, *, n: int, steps: int, related: float) -> None:
    import torch

    dt = torch.float64
    w_big = torch.randn(DIM, dtype=dt)  # the large task's true weights
    other = torch.randn(DIM, dtype=dt)
    other = other - (other @ w_big) / (w_big @ w_big) * w_big  # orthogonal to w_big
    w_small = related * w_big + (1 - related**2) ** 0.5 * other * w_big.norm() / other.norm()  # cos = related

    s = r.section(f"1. pretrain: {BIG} examples of the big task, {PRE_STEPS} gradient steps")
    x_big, y_big = task(w_big, BIG)
    w_pre, pre_losses, _ = train(torch.zeros(DIM, dtype=dt), x_big, y_big, PRE_STEPS, PRE_LR)
    s.table(["big task", "training MSE"], [["before", pre_losses[0]], ["after pretraining", pre_losses[-1]]])
    cos = float(w_small @ w_pre / (w_small.norm() * w_pre.norm()))
    s.note(f"The small task has its own true weights, at cosine {related:.2f} to the big task's: related, not the "
           f"same. The pretrained weights are at cosine {cos:.2f} to them.")  # fmt: skip

    s = r.section(f"2. the small task: {n} examples, {steps} steps from each start")
    x, y = task(w_small, n)
    x_test, y_test = task(w_small, 500)  # held out
    starts = {
        "pretrained weights": w_pre,
        "random init": torch.randn(DIM, dtype=dt),
        "zeros": torch.zeros(DIM, dtype=dt),
    }
    curves, rows, ends = {}, [], {}
    for name, w0 in starts.items():
        ends[name], _, curves[name] = train(w0, x, y, steps, test=(x_test, y_test))
        rows.append([name, curves[name][0], curves[name][-1]])
    s.plot("held-out MSE of the small task, per step", list(range(steps + 1)),
           **{k.split()[0]: v for k, v in curves.items()})  # fmt: skip
    s.table(["start", "held-out MSE at step 0", f"after {steps} steps"], rows, title="500 held-out examples")
    w_pre_end = ends["pretrained weights"]
    r.check_close("gradient descent from the pretrained start == closed form w0 - (I - (I - lr H)^T) H^+ g0",
                  w_pre_end, gd_closed_form(w_pre, x, y, steps), atol=1e-7)  # fmt: skip
    null = torch.eye(DIM, dtype=dt) - torch.linalg.pinv(x) @ x  # (D, D) projector on what X cannot see
    moved = float((null @ (w_pre_end - w_pre)).abs().max())
    r.check("the steps never move w in the directions the examples cannot see (null space of X)", moved < 1e-8,
            f"max |P_null (w_T - w0)| = {moved:.1e}", kind="property")  # fmt: skip
    s.note(f"With {n} examples of {DIM} weights, {max(DIM - n, 0)} directions get no gradient at all: there the "
           "weights stay where they started, however long one trains. A pretrained start has sensible values in "
           "them; a random one keeps its noise. With many examples and steps the start matters less. Transfer "
           "learning reuses pretrained parts frozen; fine tuning trains from them, as here.")  # fmt: skip
    pre, rand = curves["pretrained weights"][-1], curves["random init"][-1]
    r.effect("the pretrained start beats random init on held-out data within the budget", pre < 0.5 * rand,
             f"{pre:.2f} vs {rand:.2f}", asserted=related >= 0.8 and n <= 12)  # fmt: skip
    r.exercise("unseen-directions", f"A linear model with {DIM} weights and {n} training examples (x in general "
               "position): in how many directions does gradient descent never change the weights?", max(DIM - n, 0),
               given={"weights": DIM, "examples": n})  # fmt: skip
