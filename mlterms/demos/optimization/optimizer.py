"""Optimizer: the SGD-momentum and Adam updates by hand against torch.optim's functional forms, on a narrow valley."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.hand.descent import adam_step, momentum_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

ADAM_LR = 0.1
LABELS = ("SGD", "SGD + momentum", "Adam")  # short names for the plot legend


def valley(w: torch.Tensor, lams: torch.Tensor) -> torch.Tensor:
    """f(w) = 1/2 sum_i lambda_i w_i^2: an axis-aligned valley, its gradient lambda * w."""
    return 0.5 * (lams * w * w).sum()


def grad_at(w: torch.Tensor, lams: torch.Tensor) -> torch.Tensor:
    """The gradient of the valley at w, from autograd (what loss.backward() would put in p.grad)."""
    leaf = w.detach().clone().requires_grad_()
    valley(leaf, lams).backward()
    return leaf.grad  # type: ignore[return-value]


def by_hand(w0, lams, steps: int, lr: float, momentum: float | None) -> list:
    """Iterates of the hand update: momentum_step (SGD with momentum), or adam_step when momentum is None."""
    import torch

    w, buf, m, v, path = w0.clone(), None, torch.zeros_like(w0), torch.zeros_like(w0), [w0.clone()]
    for t in range(1, steps + 1):
        g = grad_at(w, lams)
        if momentum is None:
            w, m, v = adam_step(w, g, m, v, t, lr)
        else:
            w, buf = momentum_step(w, g, buf, lr, momentum)
        path.append(w)
    return path


def by_torch(w0, lams, steps: int, lr: float, momentum: float | None) -> list:
    """The same iterates from torch.optim's functional updates, which change the tensors in place."""
    import torch
    from torch.optim.adam import adam
    from torch.optim.sgd import sgd

    w, bufs, path = w0.clone(), [None], [w0.clone()]
    m, v, t = torch.zeros_like(w0), torch.zeros_like(w0), torch.tensor(0.0)
    for _ in range(steps):
        g = grad_at(w, lams)
        if momentum is None:
            adam([w], [g], [m], [v], [], [t], amsgrad=False, beta1=0.9, beta2=0.999, lr=lr, weight_decay=0.0,
                 eps=1e-8, maximize=False, foreach=False)  # fmt: skip
        else:
            sgd([w], [g], bufs, weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0, nesterov=False,  # type: ignore[arg-type]
                maximize=False, foreach=False)  # fmt: skip
        path.append(w.clone())
    return path


@demo(
    summary="An optimizer updates the params from their gradients, the step after backprop: SGD is "
    "p = p - lr * grad; momentum adds a running sum of past gradients; Adam scales each parameter's step.",
    params=[
        Param("momentum", "float", 0.9, "SGD momentum beta", min=0.0, max=0.95),
        Param("condition", "float", 100.0, "lambda_max / lambda_min of the valley", min=2.0, max=400.0),
        Param("steps", "int", 50, "optimizer steps for each method", min=5, max=150),
    ],
)
def run(r: Report, *, momentum: float, condition: float, steps: int) -> None:
    import torch

    dt = torch.float64
    lams = torch.tensor([1.0, condition], dtype=dt)  # (2,) curvature of the flat and the steep axis
    w0 = (1 + torch.rand(2, dtype=dt)) * torch.sign(torch.randn(2, dtype=dt))  # (2,)
    methods = {  # name: (lr, momentum; None = Adam)
        "SGD at its best fixed lr": (2 / (1 + condition), 0.0),
        f"SGD + momentum {momentum:g}": (1 / condition, momentum),
        "Adam": (ADAM_LR, None),
    }
    s = r.section("the update rules, by hand and by torch.optim")
    s.table(
        ["optimizer", "update (g = p.grad)"],
        [
            ["SGD", "p <- p - lr * g"],
            ["SGD + momentum", "buf <- beta * buf + g;  p <- p - lr * buf"],
            ["Adam", "m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;  p <- p - lr * m_hat / (sqrt(v_hat) + eps)"],
        ],
    )  # fmt: skip
    paths = {}
    for name, (lr, beta) in methods.items():
        paths[name] = by_hand(w0, lams, steps, lr, beta)
        ref = by_torch(w0, lams, steps, lr, beta)
        what = "torch.optim.adam.adam" if beta is None else f"torch.optim.sgd.sgd(momentum={beta:g})"
        r.check_close(f"{name}: hand steps == {what}", torch.stack(paths[name]), torch.stack(ref), atol=1e-12)
    race(r, paths, lams, steps)
    exercises(r, momentum)


def race(r: Report, paths: dict, lams, steps: int) -> None:
    s = r.section(f"a narrow valley, f = 1/2 (w1^2 + {float(lams[1]):g} w2^2): {steps} steps each")
    loss = {name: [float(valley(w, lams)) for w in path] for name, path in paths.items()}
    s.plot(
        "log10 f(w) per step",
        list(range(steps + 1)),
        **{label: [math.log10(max(v, 1e-300)) for v in ys] for label, ys in zip(LABELS, loss.values(), strict=True)},
    )  # fmt: skip
    s.table(["optimizer", "f(w0)", f"f after {steps} steps"], [[n, ys[0], ys[-1]] for n, ys in loss.items()])
    s.note(
        "Plain SGD must keep lr < 2 / lambda_max for the steep axis, so it crawls along the flat one at "
        "(kappa - 1) / (kappa + 1) per step. Momentum keeps the small lr but builds speed along the flat axis; "
        "Adam divides each coordinate's step by its gradient's size, which helps most when the valley is "
        "aligned with the axes, as here."
    )
    plain, mom, adam = (ys[-1] for ys in loss.values())
    r.effect("momentum reaches a lower loss than plain SGD in the same steps", mom < plain,
             f"{mom:.3g} < {plain:.3g}")  # fmt: skip
    r.effect("Adam reaches a lower loss than plain SGD in the same steps", adam < plain,
             f"{adam:.3g} < {plain:.3g}")  # fmt: skip


def exercises(r: Report, momentum: float) -> None:
    import torch

    p, g1, g2 = (round(float(v), 1) for v in torch.randn(3))
    lr = 0.1
    # two momentum steps from buf = None: buf1 = g1, buf2 = beta g1 + g2
    p2 = p - lr * g1 - lr * (momentum * g1 + g2)
    r.exercise(
        "two-momentum-steps",
        "SGD with momentum beta, lr 0.1, from a fresh buffer: p gets gradient g1, then g2. Where is p after two steps?",
        p2,
        given={"p": p, "g1": g1, "g2": g2, "beta": momentum, "lr": lr},
        tolerance=1e-3,
    )
    g = round(float(torch.randn(1)) * 10, 1) or 1.0
    r.exercise(
        "adam-first-step",
        "Adam's first step (lr 0.1, bias-corrected): how far does a parameter with gradient g move?",
        ADAM_LR * abs(g) / (abs(g) + 1e-8),
        given={"g": g, "lr": ADAM_LR},
        tolerance=1e-3,
    )
