"""Gradient descent on a 2-D quadratic bowl: the path, the rate per eigen-direction, and divergence."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.hand.descent import bowl, quadratic, rotation
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def descend(a: torch.Tensor, w_star: torch.Tensor, w0: torch.Tensor, lr: float, steps: int) -> torch.Tensor:
    """Full-batch gradient descent w <- w - lr * grad, the gradient from autograd. Returns (steps + 1, 2)."""
    import torch

    w = w0.clone().requires_grad_()
    path = [w0.clone()]
    for _ in range(steps):
        w.grad = None
        quadratic(w, a, w_star).backward()
        with torch.no_grad():
            w -= lr * w.grad  # type: ignore[operator]
        path.append(w.detach().clone())
    return torch.stack(path)  # (steps + 1, 2)


@demo(
    summary="Gradient descent repeats params = params - lr * grad. On a quadratic bowl the error along "
    "each eigen-direction shrinks by |1 - lr * lambda| per step, so it converges only for lr < 2 / lambda_max.",
    params=[
        Param("lr", "float", 0.15, "learning rate", min=0.005, max=0.5),
        Param(
            "curvature", "float", 10.0, "lambda_max, the steep curvature (lambda_min is 1)", min=1.0, max=20.0
        ),
        Param("steps", "int", 30, "gradient descent steps", min=5, max=80),
    ],
)
def run(r: Report, *, lr: float, curvature: float, steps: int) -> None:
    import torch

    dt = torch.float64
    lams = torch.tensor([1.0, curvature], dtype=dt)  # (2,) flat, then steep
    angle = (1 + float(torch.rand(1))) * math.pi / 6  # the valley runs diagonally: 30 to 60 degrees
    q = rotation(angle, dt)  # (2, 2) columns: the flat and the steep eigen-direction
    a = bowl(lams, q)  # (2, 2)
    w_star = torch.randn(2, dtype=dt)  # (2,) the minimum
    size = torch.tensor([2.0, 0.5], dtype=dt) * (
        1 + torch.rand(2, dtype=dt)
    )  # far out along the flat direction
    e0 = size * torch.sign(torch.randn(2, dtype=dt))  # (2,) the start error in eigen-coordinates
    w0 = w_star + q @ e0
    path = descend(a, w_star, w0, lr, steps)  # (K+1, 2)
    show_path(r, a, w_star, path, lr, lams)
    rates(r, q, w_star, path, e0, lr, lams)
    divergence(r, a, w_star, w0, lams, steps)
    r.exercise(
        "largest-stable-lr",
        "Gradient descent on f(w) = 1/2 w^T A w with this A: above which learning rate does it diverge?",
        2 / float(lams.max()),
        given={"A": a},
        tolerance=1e-3,
    )


def show_path(r: Report, a, w_star, path, lr: float, lams) -> None:
    import torch

    s = r.section("the descent path")
    f = [float(quadratic(w, a, w_star)) for w in path]
    level = torch.linspace(0, 2 * math.pi, 61, dtype=a.dtype)
    circle = torch.stack([level.cos(), level.sin()], dim=1)  # (61, 2) unit circle
    scale = (2 * f[0] / (circle @ a * circle).sum(dim=1)).sqrt()  # (61,) radius of the level set f = f(w0)
    ring = w_star + circle * scale[:, None]  # (61, 2)
    nan = [math.nan]
    s.plot(
        f"w2 against w1: the path from w0 (lr = {lr:g}) and the contour f = f(w0)",
        [*path[:, 0].tolist(), *ring[:, 0].tolist()],
        path=[*path[:, 1].tolist(), *nan * len(ring)],
        contour=[*nan * len(path), *ring[:, 1].tolist()],
    )
    s.table(
        ["step", "w1", "w2", "f(w)"],
        [[k, path[k, 0], path[k, 1], f[k]] for k in (0, 1, 2, 3, len(path) - 1)],
        title=f"A = Q diag({float(lams[0]):g}, {float(lams[1]):g}) Q^T, minimum w* = ({float(w_star[0]):.3f}, "
        f"{float(w_star[1]):.3f})",
    )
    s.note(
        "Along the steep direction a large step overshoots and the path zigzags across the valley; along the "
        "flat one it crawls. The contour is the ellipse through w0, squeezed by the ratio of curvatures."
    )
    if lr < 2 / float(lams.max()):
        r.check(
            "lr < 2 / lambda_max: the loss never rises",
            # never rises, and falls at every step until float32 runs out of digits (~1e-30)
            all(
                later < earlier or later <= earlier < 1e-30 for earlier, later in zip(f, f[1:], strict=False)
            ),
            f"f(w0) = {f[0]:.4g}, f(w_K) = {f[-1]:.4g}",
            kind="property",
        )
    else:
        s.note(f"lr = {lr:g} is above 2 / lambda_max = {2 / float(lams.max()):.4g}: the path flies off.")


def rates(r: Report, q, w_star, path, e0, lr: float, lams) -> None:
    import torch

    s = r.section("the rate per eigen-direction: (1 - lr * lambda)^k")
    errors = (path - w_star) @ q  # (K+1, 2) the error in eigen-coordinates (the columns of Q)
    k = torch.arange(len(path), dtype=path.dtype)[:, None]  # (K+1, 1)
    closed = (1 - lr * lams) ** k * e0  # (K+1, 2)
    factors = 1 - lr * lams
    s.table(
        ["direction", "lambda", "factor 1 - lr*lambda", "error at start", f"after {len(path) - 1} steps",
         "closed form"],
        [[name, lams[i], factors[i], errors[0, i], errors[-1, i], closed[-1, i]] for i, name in
         enumerate(["flat", "steep"])],
    )  # fmt: skip
    s.plot(
        "log10 |error| along each eigen-direction per step",
        list(range(len(path))),
        flat=errors[:, 0].abs().log10(),
        steep=errors[:, 1].abs().log10(),
    )
    # relative to the size of the whole error: rounding in the large direction leaks into the small one
    worst = float(((errors - closed).abs() / closed.norm(dim=1, keepdim=True).clamp(min=1.0)).max())
    r.check(
        "gradient descent with autograd == closed form (1 - lr*lambda)^k e0 per direction",
        worst < 1e-9,
        f"max relative diff {worst:.1e}",
        kind="reference",
    )
    r.exercise(
        "flat-error-after-k",
        "Error along the flat direction (lambda given) starts at e0: what is it after k steps of lr?",
        float(closed[-1, 0]),
        given={"lambda": float(lams[0]), "e0": float(e0[0]), "lr": lr, "k": len(path) - 1},
        tolerance=1e-3 * max(1.0, abs(float(closed[-1, 0]))),
    )


def divergence(r: Report, a, w_star, w0, lams, steps: int) -> None:
    s = r.section("too large a learning rate: divergence above 2 / lambda_max")
    lam_min, lam_max = float(lams.min()), float(lams.max())
    limit = 2 / lam_max
    sweep = {
        "0.5 x limit": 0.5 * limit,
        "2 / (lambda_min + lambda_max), the best fixed rate": 2 / (lam_min + lam_max),
        "0.95 x limit": 0.95 * limit,
        "1.5 x limit": 1.5 * limit,
    }
    f0 = float(quadratic(w0, a, w_star))
    final = {}
    rows = []
    for label, lr in sweep.items():
        w_k = descend(a, w_star, w0, lr, steps)[-1]
        final[label] = float(quadratic(w_k, a, w_star)) / f0
        worst = max(abs(1 - lr * lam_min), abs(1 - lr * lam_max))
        rows.append([label, lr, worst, final[label]])
    s.table(["learning rate", "lr", "max |1 - lr*lambda|", f"f(w_{steps}) / f(w0)"], rows,
            title=f"the limit 2 / lambda_max = {limit:.4g}")  # fmt: skip
    s.note(
        "The slowest direction sets the speed: the best fixed rate 2 / (lambda_min + lambda_max) makes both "
        "factors equal to (kappa - 1) / (kappa + 1), kappa = lambda_max / lambda_min (the condition number). "
        "The learning rate demo shows the same limit in one dimension; the optimizer demo beats it with momentum."
    )
    r.check("just below the limit the loss falls", final["0.95 x limit"] < 1, f"{final['0.95 x limit']:.3g} < 1",
            kind="property")  # fmt: skip
    r.check("above the limit the loss grows", final["1.5 x limit"] > 1, f"{final['1.5 x limit']:.3g} > 1",
            kind="property")  # fmt: skip
