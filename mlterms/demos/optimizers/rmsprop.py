"""RMSprop: each gradient divided by the root of its running mean square, by hand against torch.optim.rmsprop.rmsprop."""

from __future__ import annotations

import math

from mlterms.demos.hand.optimizers import rmsprop_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def torch_rmsprop(w0, grad_fn, lrs: list[float], alpha: float, eps: float = 1e-8) -> list:
    """The iterates of torch.optim.rmsprop.rmsprop, one lr per step (it changes w in place)."""
    import torch
    from torch.optim.rmsprop import rmsprop

    w, sq, t, path = w0.clone(), torch.zeros_like(w0), torch.tensor(0.0), [w0.clone()]
    for lr in lrs:
        rmsprop([w], [grad_fn(w)], [sq], [], [], [t], lr=lr, alpha=alpha, eps=eps, weight_decay=0.0,
                momentum=0.0, centered=False, foreach=False)  # fmt: skip
        path.append(w.clone())
    return path


def torch_adam_beta1_0(w0, grad_fn, steps: int, lr: float, beta2: float) -> list:
    """torch.optim.adam.adam with beta1 = 0 (no momentum) and eps = 0."""
    import torch
    from torch.optim.adam import adam

    w, m, v, t, path = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0), torch.tensor(0.0), [w0.clone()]
    for _ in range(steps):
        adam([w], [grad_fn(w)], [m], [v], [], [t], amsgrad=False, beta1=0.0, beta2=beta2, lr=lr,
             weight_decay=0.0, eps=0.0, maximize=False, foreach=False)  # fmt: skip
        path.append(w.clone())
    return path


@demo(
    summary="RMSprop divides each parameter's gradient by the root of a running mean of its squares, "
    "p = p - lr * g / (sqrt(sq) + eps) with sq = alpha * sq + (1 - alpha) g^2: a per-parameter step "
    "size like Adam's, without Adam's momentum and bias correction.",
    params=[
        Param("alpha", "float", 0.99, "decay of the running mean square", min=0.9, max=0.999),
        Param("lr", "float", 0.05, "RMSprop's learning rate", min=0.005, max=0.1),
        Param("condition", "float", 100.0, "lambda_max / lambda_min of the valley", min=10.0, max=1000.0),
    ],
)
def run(r: Report, *, alpha: float, lr: float, condition: float) -> None:
    import torch

    dt, steps = torch.float64, 150
    lams = torch.tensor([1.0, condition], dtype=dt)  # f = 1/2 (w1^2 + condition w2^2), axis-aligned

    def grad_fn(w):
        return lams * w

    w0 = (1 + torch.rand(2, dtype=dt)) * torch.sign(torch.randn(2, dtype=dt))  # (2,)
    path, sq = [w0.clone()], torch.zeros(2, dtype=dt)
    for _ in range(steps):
        w, sq = rmsprop_step(path[-1], grad_fn(path[-1]), sq, lr, alpha)
        path.append(w)
    r.check_close(f"hand RMSprop == torch.optim.rmsprop.rmsprop, all {steps} steps", torch.stack(path),
                  torch.stack(torch_rmsprop(w0, grad_fn, [lr] * steps, alpha)), atol=1e-10)  # fmt: skip
    race(r, lams, w0, path, lr, steps)
    first_steps(r, alpha, lr)
    versus_adam(r, w0, grad_fn, alpha, lr)


def race(r: Report, lams, w0, path, lr: float, steps: int) -> None:
    s = r.section(
        f"a narrow valley, f = 1/2 (w1^2 + {float(lams[1]):g} w2^2): {steps} steps from w0 = "
        f"{[round(v, 3) for v in w0.tolist()]}"
    )
    s.tensor("w0", w0)
    sgd_lr = 2 / float(lams[0] + lams[1])  # plain SGD's best fixed rate
    sgd = [w0]
    for _ in range(steps):
        sgd.append(sgd[-1] - sgd_lr * lams * sgd[-1])

    def f(w) -> float:
        return float(0.5 * (lams * w * w).sum())

    s.plot("log10 f per step", list(range(steps + 1)), sgd=[math.log10(max(f(w), 1e-300)) for w in sgd],
           rmsprop=[math.log10(max(f(w), 1e-300)) for w in path])  # fmt: skip
    s.table(["", "w at the end", "f at the end"],
            [[f"SGD, lr {sgd_lr:.3g} (its best fixed)", sgd[-1], f(sgd[-1])],
             [f"RMSprop, lr {lr:g}", path[-1], f(path[-1])]])  # fmt: skip
    s.note(
        "Each coordinate is divided by its own gradient's size, so the flat w1 moves as fast as the steep "
        "w2, while SGD's lr is capped by the steep one (lr < 2 / lambda_max). On exact gradients sq shrinks "
        "as the gradients do, so the steps keep pace with the distance left; with noisy minibatch gradients "
        "sq stays at the noise level and RMSprop hops around the minimum at a distance set by lr."
    )
    r.effect("RMSprop ends lower than SGD at its best fixed lr", f(path[-1]) < f(sgd[-1]),
             f"{f(path[-1]):.3g} < {f(sgd[-1]):.3g}")  # fmt: skip


def first_steps(r: Report, alpha: float, lr: float) -> None:
    s = r.section("no bias correction: sq starts at 0")
    rows = [[t, lr / math.sqrt(1 - alpha**t)] for t in (1, 2, 5, 10, 50, 200)]
    s.table(["step t", "|step| for a constant gradient"], rows, title=f"lr {lr:g}, alpha {alpha:g}")
    s.note(
        f"sq_t = (1 - alpha^t) g^2 for a constant g, so the step is lr / sqrt(1 - alpha^t): "
        f"{1 / math.sqrt(1 - alpha):.3g} x lr at step 1. Adam's bias correction divides v by (1 - beta2^t) "
        "and makes that first step exactly lr."
    )
    r.exercise(
        "first-step",
        "RMSprop with this lr and alpha, sq = 0 at the start: how far does a parameter with gradient g move "
        "on the first step?",
        lr / math.sqrt(1 - alpha),
        given={"lr": lr, "alpha": alpha, "g": -3.0},
        tolerance=1e-3 * lr,
    )


def versus_adam(r: Report, w0, grad_fn, alpha: float, lr: float) -> None:
    import torch

    s = r.section("Adam without momentum is RMSprop with a bias-corrected learning rate")
    steps = 30
    lrs = [lr * math.sqrt(1 - alpha**t) for t in range(1, steps + 1)]  # RMSprop's lr_t = lr sqrt(1 - alpha^t)
    adam_path = torch.stack(torch_adam_beta1_0(w0, grad_fn, steps, lr, alpha))
    rms_path = torch.stack(torch_rmsprop(w0, grad_fn, lrs, alpha, eps=0.0))
    s.note(
        "Adam with beta1 = 0 has m = g and divides by sqrt(v / (1 - beta2^t)): the same as RMSprop with "
        "alpha = beta2 and lr_t = lr * sqrt(1 - alpha^t) (eps set to 0 in both). Adam adds momentum "
        "(beta1 = 0.9) on top."
    )
    s.table(["step t", "RMSprop lr_t"], [[t, lrs[t - 1]] for t in (1, 2, 10, 30)])
    r.check_close(f"torch adam(beta1=0) == torch rmsprop(lr_t = lr sqrt(1 - alpha^t)), {steps} steps",
                  adam_path, rms_path, atol=1e-12)  # fmt: skip
