"""Momentum: a velocity that sums past gradients, on a rotated narrow valley, by hand against torch.optim.sgd.sgd."""

from __future__ import annotations

import math

from mlterms.demos.hand.descent import bowl, momentum_step, rotation
from mlterms.demos.hand.optimizers import nesterov_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

ANGLE = 0.6  # radians: the valley is not aligned with the axes, so no per-coordinate trick helps


def run_path(a, w_star, w0, steps: int, lr: float, beta: float, nesterov: bool = False) -> list:
    """Iterates of heavy-ball (or Nesterov) momentum on f = 1/2 (w - w*)^T A (w - w*)."""
    step = nesterov_step if nesterov else momentum_step
    w, buf, path = w0.clone(), None, [w0.clone()]
    for _ in range(steps):
        w, buf = step(w, a @ (w - w_star), buf, lr, beta)  # the gradient is A (w - w*)
        path.append(w)
    return path


def torch_path(a, w_star, w0, steps: int, lr: float, beta: float, nesterov: bool = False) -> list:
    """The same iterates from torch.optim.sgd.sgd, the function SGD.step() calls (in place)."""
    from torch.optim.sgd import sgd

    w, bufs, path = w0.clone(), [None], [w0.clone()]
    for _ in range(steps):
        sgd([w], [a @ (w - w_star)], bufs, weight_decay=0.0, momentum=beta, lr=lr, dampening=0.0,  # type: ignore[arg-type]
            nesterov=nesterov, maximize=False, foreach=False)  # fmt: skip
        path.append(w.clone())
    return path


def rate(lam: float, lr: float, beta: float) -> float:
    """Per-step contraction of heavy ball along an eigen-direction of curvature lam: the largest
    |root| of z^2 - (1 + beta - lr lam) z + beta = 0 (the 2x2 recurrence of e_t, e_(t-1))."""
    b = 1 + beta - lr * lam
    disc = b * b - 4 * beta
    if disc < 0:
        return math.sqrt(beta)  # complex roots: |z|^2 = beta, the error spirals in
    return max(abs(b + math.sqrt(disc)), abs(b - math.sqrt(disc))) / 2


@demo(
    summary="Momentum keeps a velocity, a running sum of past gradients (buf = beta * buf + grad, "
    "p = p - lr * buf): steps grow along directions where the gradient keeps its sign, and cancel "
    "where it flips, so a narrow valley is crossed faster than by plain SGD.",
    params=[
        Param("beta", "float", 0.9, "the momentum coefficient", min=0.0, max=0.97),
        Param("condition", "float", 100.0, "lambda_max / lambda_min of the valley", min=2.0, max=1000.0),
        Param("steps", "int", 80, "steps for each method", min=10, max=300),
    ],
)
def run(r: Report, *, beta: float, condition: float, steps: int) -> None:
    import torch

    velocity(r, beta)
    dt = torch.float64
    a = bowl(torch.tensor([1.0, condition], dtype=dt), rotation(ANGLE, dt))  # (2, 2)
    w_star = torch.randn(2, dtype=dt)  # (2,)
    w0 = w_star + 3 * rotation(torch.rand(1).item() * 6.28, dt)[:, 0]  # (2,) 3 away, random direction
    lr = 1 / condition  # the largest curvature allows lr < 2 / lambda_max; momentum runs at 1 / lambda_max
    heavy = run_path(a, w_star, w0, steps, lr, beta)
    nest = run_path(a, w_star, w0, steps, lr, beta, nesterov=True)
    r.check_close(f"heavy ball by hand == torch.optim.sgd.sgd(momentum={beta:g})", torch.stack(heavy),
                  torch.stack(torch_path(a, w_star, w0, steps, lr, beta)), atol=1e-12)  # fmt: skip
    r.check_close("Nesterov by hand == torch.optim.sgd.sgd(nesterov=True)", torch.stack(nest),
                  torch.stack(torch_path(a, w_star, w0, steps, lr, beta, True)), atol=1e-12)  # fmt: skip
    valley(r, a, w_star, w0, (heavy, nest), beta, condition, steps)


def velocity(r: Report, beta: float) -> None:
    import torch

    s = r.section("the velocity: a running sum of past gradients")
    g = torch.tensor(1.0, dtype=torch.float64)
    buf, rows = None, []
    for t in range(1, 31):
        _, buf = momentum_step(torch.tensor(0.0, dtype=torch.float64), g, buf, 1.0, beta)
        rows.append([t, float(buf), (1 - beta**t) / (1 - beta)])
    s.table(["step t", "buf_t by the update", "(1 - beta^t) / (1 - beta)"], [rows[i] for i in (0, 1, 2, 9, 29)],
            title=f"a constant gradient g = 1, beta {beta:g}")  # fmt: skip
    s.note(
        f"With a gradient that keeps its sign the velocity grows towards g / (1 - beta) = {1 / (1 - beta):.3g} g: "
        "the step becomes lr / (1 - beta) times the plain SGD step. A gradient that flips sign every step "
        "gets buf -> g / (1 + beta) instead: the oscillation is damped."
    )
    got = torch.tensor([row[1] for row in rows])
    r.check_close("buf_t == the geometric sum (1 - beta^t) / (1 - beta) (closed form)", got,
                  torch.tensor([row[2] for row in rows]), atol=1e-9)  # fmt: skip
    r.exercise(
        "terminal-step",
        "Momentum beta, lr 0.01, and the same gradient g at every step: how far does the parameter move "
        "per step once the velocity has settled?",
        0.01 * 2.0 / (1 - beta),
        given={"beta": beta, "lr": 0.01, "g": 2.0},
        tolerance=1e-3,
    )


def iteration_matrix(a, lr: float, beta: float, nesterov: bool):
    """The linear map (e_t, buf_(t-1)) -> (e_(t+1), buf_t) of momentum on the quadratic, e = w - w*:
    buf_t = beta buf + A e; heavy ball e' = e - lr buf_t, Nesterov e' = e - lr (A e + beta buf_t)."""
    import torch

    eye = torch.eye(len(a), dtype=a.dtype)
    k = 1 + beta if nesterov else 1.0  # Nesterov's gradient weight: g + beta (beta buf + g)
    top = torch.cat([eye - lr * k * a, -lr * beta * (beta if nesterov else 1.0) * eye], dim=1)
    return torch.cat([top, torch.cat([a, beta * eye], dim=1)])  # (2D, 2D)


def spectral_radius(m) -> float:
    """The largest |eigenvalue| (numpy's geev: torch's fails on some matrices with entries near 1e-200)."""
    import numpy as np

    return float(np.abs(np.linalg.eigvals(m.numpy())).max())


def valley(r: Report, a, w_star, w0, paths, beta: float, condition: float, steps: int) -> None:
    heavy, nest = paths
    s = r.section(f"a rotated valley, curvatures 1 and {condition:g}: {steps} steps each")
    s.note("f(w) = 1/2 (w - w*)^T A (w - w*), its gradient A (w - w*); the valley is tilted by 0.6 rad.")
    s.tensor("A", a).tensor("w*", w_star).tensor("w0", w0)
    best_lr = 2 / (1 + condition)  # plain SGD's best fixed rate: both directions contract equally
    sk = math.sqrt(condition)
    tuned_lr, tuned_beta = 4 / (1 + sk) ** 2, ((sk - 1) / (sk + 1)) ** 2  # Polyak's tuned heavy ball
    runs = {  # label: (name, lr, beta, nesterov, path)
        "sgd": ("SGD, its best fixed lr 2/(1+kappa)", best_lr, 0.0, False, run_path(a, w_star, w0, steps, best_lr, 0.0)),
        "heavy": (f"momentum {beta:g}, lr 1/L", 1 / condition, beta, False, heavy),
        "nesterov": (f"Nesterov {beta:g}, lr 1/L", 1 / condition, beta, True, nest),
        "tuned": (f"momentum tuned to kappa ({tuned_beta:.3f})", tuned_lr, tuned_beta, False,
                  run_path(a, w_star, w0, steps, tuned_lr, tuned_beta)),
    }  # fmt: skip
    err = {k: [float((w - w_star).norm()) for w in run[4]] for k, run in runs.items()}
    s.plot("log10 |w - w*| per step", list(range(steps + 1)),
           **{k: [math.log10(max(e, 1e-300)) for e in es] for k, es in err.items()})  # fmt: skip
    radius = {k: spectral_radius(iteration_matrix(a, lr, b, nes)) for k, (_, lr, b, nes, _) in runs.items()}
    s.table(["run (plot label)", "|w - w*| at the end", "rate per step (spectral radius)"],
            [[f"{name} ({k})", err[k][-1], radius[k]] for k, (name, *_) in runs.items()])  # fmt: skip
    s.note(
        "SGD's rate is (kappa - 1) / (kappa + 1); tuned momentum's is (sqrt kappa - 1) / (sqrt kappa + 1), "
        "so the steps needed grow like sqrt(kappa) instead of kappa. Along each eigen-direction the error "
        "follows z^2 - (1 + beta - lr lambda) z + beta = 0; complex roots spiral in at sqrt(beta)."
    )
    formula = max(rate(1.0, 1 / condition, beta), rate(condition, 1 / condition, beta))
    r.check("heavy ball: the root formula == eigenvalues of its 4x4 iteration matrix (numpy.linalg.eigvals)",
            abs(formula - radius["heavy"]) < 1e-6, f"{formula:.6f} vs {radius['heavy']:.6f}", kind="reference")  # fmt: skip
    r.check("tuned heavy ball: spectral radius == (sqrt kappa - 1) / (sqrt kappa + 1)",
            abs(radius["tuned"] - (sk - 1) / (sk + 1)) < 1e-4, f"{radius['tuned']:.5f} vs {(sk - 1) / (sk + 1):.5f}",
            kind="reference")  # fmt: skip
    mom, sgd_end = err["heavy"][-1], err["sgd"][-1]
    r.effect("momentum ends nearer the minimum than SGD at its best fixed lr", mom < sgd_end,
             f"{mom:.3g} < {sgd_end:.3g}")  # fmt: skip
    r.exercise(
        "tuned-beta",
        "Polyak's heavy ball for a valley of condition number kappa uses beta = ((sqrt k - 1) / (sqrt k + 1))^2. "
        "What beta for this kappa?",
        tuned_beta,
        given={"kappa": condition},
        tolerance=1e-3,
    )
