"""Learning rate: too small crawls, a good one converges, too large diverges; the limit 2 / curvature."""

from __future__ import annotations

import math

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

C, X0, STEPS = 1.5, -0.5, 20  # f(x) = a (x - C)^2, minimum at x = C, start at X0
FLOOR = -4.0  # plots clip log10 distances below 1e-4: converged is converged
RATES = {"too small": 0.04, "good": 0.4, "diverging": 1.1}  # as fractions of the limit 1/a


def gd_on_quadratic(a: float, c: float, x0: float, lr: float, steps: int) -> list[float]:
    """Gradient descent on f(x) = a (x - c)^2 by hand: x <- x - lr * f'(x), f'(x) = 2a (x - c)."""
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * 2 * a * (xs[-1] - c))
    return xs


@demo(
    summary="The learning rate scales the gradient in each update step, new param = param - lr * grad: "
    "too low is painfully slow, too high jumps around or blows up; on f(x) = a(x-c)^2 it must stay "
    "below 2/f'' = 1/a.",
    params=[
        Param("lr", "float", 0.3, "your learning rate, shown beside the three fixed ones", min=0.0, max=1.0),
        Param("a", "float", 2.0, "curvature of f(x) = a (x - 1.5)^2 (f'' = 2a)", min=0.25, max=4.0),
    ],
)
def run(r: Report, *, lr: float, a: float) -> None:
    quadratic(r, lr, a)
    linear_regression(r)
    r.exercise(
        "largest-stable",
        "Gradient descent on f(x) = a (x - c)^2: below which learning rate does it converge?",
        1 / a,
        given={"a": a},
        tolerance=1e-3,
    )
    r.exercise(
        "one-step",
        "One gradient step on f(x) = a (x - c)^2 from x0 at this learning rate: where does x land?",
        X0 - lr * 2 * a * (X0 - C),
        given={"a": a, "c": C, "x0": X0, "lr": lr},
        tolerance=1e-3,
    )


def quadratic(r: Report, lr: float, a: float) -> None:
    import torch

    s = r.section(f"gradient descent on f(x) = {a:g} (x - {C:g})^2 from x0 = {X0:g}")
    s.note(
        "Each step multiplies the distance to the minimum by (1 - 2a*lr), so it shrinks only if "
        f"|1 - 2a*lr| < 1, i.e. 0 < lr < 2/f'' = 1/a = {1 / a:g}. At lr = 1/(2a) = {1 / (2 * a):g} "
        "one step lands on c."
    )
    rates = {name: frac / a for name, frac in RATES.items()}
    rows, curves = [], {}
    for label, rate in {**rates, "yours (--set lr=...)": lr, "one step (1/(2a))": 1 / (2 * a)}.items():
        xs = gd_on_quadratic(a, C, X0, rate, STEPS)
        rows.append([label, rate, 1 - 2 * a * rate, xs[-1], abs(xs[-1] - C)])
        if label in rates:
            curves[f"lr={rate:.3g} ({label})"] = [max(FLOOR, math.log10(abs(x - C) or 1e-300)) for x in xs]
        closed = torch.tensor(
            [C + (1 - 2 * a * rate) ** t * (X0 - C) for t in range(STEPS + 1)], dtype=torch.float64
        )
        scale = closed.abs().clamp(min=1.0)  # compare relative to the size: diverging runs get huge
        r.check_close(f"lr={rate:.3g}: hand loop == closed form c + (1 - 2a*lr)^t (x0 - c)",
                      torch.tensor(xs, dtype=torch.float64) / scale, closed / scale, atol=1e-9)  # fmt: skip
    xs_t = torch.tensor(gd_on_quadratic(a, C, X0, lr, 5), dtype=torch.float64)
    r.check_close(f"lr={lr:g}: hand f' = 2a(x-c) == steps on the autograd gradient", xs_t, autograd_steps(a, lr, 5),
                  atol=1e-9 * float(xs_t.abs().max().clamp(min=1)))  # fmt: skip
    s.table(["", "learning rate", "factor 1 - 2a*lr", f"x after {STEPS} steps", "|x - c|"], rows)
    s.plot(
        f"log10 |x_t - c| per step (clipped below at {FLOOR:g}: converged)", list(range(STEPS + 1)), **curves
    )
    small, good, big = (gd_on_quadratic(a, C, X0, rate, STEPS) for rate in rates.values())
    r.effect(
        "the good rate reaches the minimum", abs(good[-1] - C) < 1e-6, f"|x - c| = {abs(good[-1] - C):.1e}"
    )
    r.effect(
        "the too-small rate is still far from it",
        abs(small[-1] - C) > 0.1,
        f"|x - c| = {abs(small[-1] - C):.3f}",
    )
    r.effect("the too-large rate (above 1/a) moves away", abs(big[-1] - C) > 10 * abs(X0 - C),
             f"|x - c| = {abs(big[-1] - C):.1f}")  # fmt: skip


def autograd_steps(a: float, lr: float, steps: int):
    import torch

    x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    xs = [X0]
    for _ in range(steps):
        (grad,) = torch.autograd.grad(a * (x - C) ** 2, x)  # autograd computes f'(x)
        with torch.no_grad():
            x -= lr * grad
        xs.append(x.item())
    return torch.tensor(xs, dtype=torch.float64)


def linear_regression(r: Report) -> None:
    import torch
    from torch.autograd.functional import hessian

    s = r.section("many parameters: the largest curvature sets the limit")
    X = torch.randn(32, 4, dtype=torch.float64)  # (N, D)
    y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0], dtype=torch.float64) + 0.1 * torch.randn(
        32, dtype=torch.float64
    )

    def loss(w):  # (D,) -> mean squared error, an exact quadratic in w
        return ((X @ w - y) ** 2).mean()

    H = 2 * X.T @ X / len(y)  # (D, D) the Hessian of the MSE, by hand
    r.check_close("Hessian by hand 2 X^T X / N == torch.autograd.functional.hessian",
                  H, hessian(loss, torch.zeros(4, dtype=torch.float64)), atol=1e-12)  # fmt: skip
    L = float(torch.linalg.eigvalsh(H).max())  # the largest curvature
    rows: list[list[object]] = []
    curves: dict[str, list[float]] = {}
    ends: list[tuple[float, float]] = []  # (loss at start, loss after 40 steps) per rate
    for label, frac in (("0.9 x 2/L", 0.9), ("1.1 x 2/L", 1.1)):
        w, losses = torch.zeros(4, dtype=torch.float64), []
        for _ in range(40):
            losses.append(float(loss(w)))
            w = w - frac * 2 / L * (2 * X.T @ (X @ w - y) / len(y))  # the MSE gradient, by hand
        losses.append(float(loss(w)))
        rows.append([label, frac * 2 / L, losses[0], losses[-1]])
        ends.append((losses[0], losses[-1]))
        curves[label] = [max(FLOOR, math.log10(v)) for v in losses]
    s.table(["learning rate", "value", "loss at start", "loss after 40 steps"], rows)
    s.plot(f"log10 loss per step (clipped below at {FLOOR:g})", list(range(41)), **curves)
    s.note(
        f"Here the loss is exactly quadratic, so the rule is exact: lr < 2/L = {2 / L:.3f}, with L the "
        "largest eigenvalue of the Hessian. A network's loss is not quadratic: near a minimum the local "
        "quadratic approximation (the Hessian there) gives the same rule; far from one it is only a guide."
    )
    (start_below, end_below), (start_above, end_above) = ends
    r.effect(
        "just below 2/L the loss falls", end_below < start_below, f"{start_below:.3f} -> {end_below:.2e}"
    )
    r.effect(
        "just above 2/L it blows up", end_above > 10 * start_above, f"{start_above:.3f} -> {end_above:.2e}"
    )
