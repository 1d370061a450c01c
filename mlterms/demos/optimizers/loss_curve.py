"""Loss curve: training and validation loss per step of a small run, and what a too-high learning rate looks like."""

from __future__ import annotations

import math

from mlterms.demos.hand.fitting import gd_steps, legendre_features, noisy_sample
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N, DEGREE, VAL = 15, 14, 200  # 15 points, 15 coefficients: the fit can pass through every point
CHECKPOINTS = [0] + sorted({round(10 ** (k / 4)) for k in range(21)})  # 0, 1, 2, 3, 6, 10, ... 100000
LOOP = 200  # steps also run one by one, to check the closed form


def closed_form(X, y, lr: float, steps: list[int]) -> list:
    """Gradient descent on mean((X w - y)^2) from w = 0, at the given step counts, without the loop:
    along each eigenvector of A = 2 X^T X / N the error w - w* shrinks by (1 - lr * lambda) per step."""
    import torch

    lams, Q = torch.linalg.eigh(2 * X.T @ X / len(y))  # (D,), (D, D)
    w_star = torch.linalg.lstsq(X, y.unsqueeze(1)).solution.squeeze(1)  # (D,) here it interpolates
    c = Q.T @ -w_star  # (D,) the start w0 = 0 in eigen-coordinates
    return [w_star + Q @ ((1 - lr * lams) ** t * c) for t in steps]


def mse(X, y, w) -> float:
    return float(((X @ w - y) ** 2).mean())


@demo(
    summary="A loss curve plots the loss against the training step, for the training set and a validation "
    "set: the training loss keeps falling while the validation loss turns up when the model overfits, and "
    "a loss that climbs or jumps means the learning rate is too high.",
    params=[
        Param("noise", "float", 0.2, "standard deviation of the noise on y", min=0.05, max=0.5),
        Param(
            "high",
            "float",
            2.2,
            "the too-high lr, in units of 1 / lambda_max (stable below 2)",
            min=2.05,
            max=3.0,
        ),
    ],
)
def run(r: Report, *, noise: float, high: float) -> None:
    import torch

    (x, y), (xv, yv) = noisy_sample(N, noise), noisy_sample(VAL, noise)
    X, Xv = legendre_features(x, DEGREE), legendre_features(xv, DEGREE)  # (N, 15), (VAL, 15)
    lam_max = float(torch.linalg.eigvalsh(2 * X.T @ X / N).max())
    lr = 1 / lam_max
    ws = closed_form(X, y, lr, CHECKPOINTS)
    looped = gd_steps(X, y, lr, LOOP)
    at = [t for t in CHECKPOINTS if 0 < t <= LOOP]
    r.check_close(f"closed form (eigen-decomposition) == {LOOP} gradient descent steps, at steps {at[0]}..{at[-1]}",
                  torch.stack([ws[CHECKPOINTS.index(t)] for t in at]), torch.stack([looped[t - 1] for t in at]),
                  atol=1e-6)  # fmt: skip
    train_val(r, [mse(X, y, w) for w in ws], [mse(Xv, yv, w) for w in ws], noise)
    r.sections[-1].tensor("training x", x).tensor("training y", y)
    too_high(r, X, y, lam_max, high)


def train_val(r: Report, train: list[float], val: list[float], noise: float) -> None:
    s = r.section(
        f"train vs validation: degree {DEGREE} on {N} points, gradient descent, lr = 1 / lambda_max"
    )
    s.plot("log10 MSE against log10(step + 1)", [math.log10(t + 1) for t in CHECKPOINTS],
           train=[math.log10(max(v, 1e-12)) for v in train], validation=[math.log10(v) for v in val])  # fmt: skip
    best = min(range(len(val)), key=val.__getitem__)
    s.table(
        ["step", "train MSE", "validation MSE"],
        [[t, a, b] for t, a, b in zip(CHECKPOINTS, train, val, strict=True)],
    )
    s.note(
        f"Both fall at first: the smooth part of sin(pi x) is learnt. From about step {CHECKPOINTS[best]} the "
        "validation loss turns up while the training loss keeps falling towards 0: the remaining steps fit "
        f"the noise (the noise floor is noise^2 = {noise**2:.3g}). The gap between the curves is the sign of "
        "overfitting; stopping at the validation minimum is early stopping."
    )
    falls = all(b <= a + 1e-12 for a, b in zip(train, train[1:], strict=False))
    r.check("the training loss never rises (gradient descent on a quadratic, lr < 2 / lambda_max)", falls,
            f"{train[0]:.3g} -> {train[-1]:.3g}", kind="property")  # fmt: skip
    r.effect("the validation loss turns up: it ends above its minimum while the training loss keeps falling",
             val[-1] > 1.2 * val[best] and train[-1] < train[best],
             f"val min {val[best]:.3g} at step {CHECKPOINTS[best]}, end {val[-1]:.3g}")  # fmt: skip
    r.exercise(
        "best-checkpoint",
        "Reading these validation losses, at which step would you stop training?",
        CHECKPOINTS[best],
        given={"steps": CHECKPOINTS, "validation MSE": [round(v, 6) for v in val]},
    )


def too_high(r: Report, X, y, lam_max: float, high: float) -> None:
    import torch

    steps = 60
    s = r.section(f"three learning rates, {steps} steps: too low, good, too high")
    curves = {}
    for name, lr in (
        ("0.1 / lambda_max", 0.1 / lam_max),
        ("1 / lambda_max", 1 / lam_max),
        (f"{high:g} / lambda_max", high / lam_max),
    ):
        path = [torch.zeros(X.shape[1], dtype=X.dtype), *gd_steps(X, y, lr, steps)]
        curves[name] = [mse(X, y, w) for w in path]
    s.plot(
        "log10 train MSE per step",
        list(range(steps + 1)),
        **{n: [math.log10(v) for v in ys] for n, ys in curves.items()},
    )
    s.table(
        ["lr", "train MSE at step 0", "step 10", f"step {steps}"],
        [[n, ys[0], ys[10], ys[-1]] for n, ys in curves.items()],
    )
    s.note(
        "Too low: a steady but slow descent. Too high: the flat directions still shrink, so the loss may fall "
        f"at first, but along the steepest direction the error is multiplied by |1 - {high:g}| each step and the "
        "loss climbs geometrically. With minibatches a rate a little too high shows instead as a curve that "
        "stops falling and jumps around a plateau."
    )
    bad, good = curves[f"{high:g} / lambda_max"], curves["1 / lambda_max"]
    r.effect("above 2 / lambda_max the training loss ends above where it started; at 1 / lambda_max below",
             bad[-1] > bad[0] > good[-1], f"{bad[0]:.3g} -> {bad[-1]:.3g}; good run ends at {good[-1]:.3g}")  # fmt: skip
    r.exercise(
        "growth-per-step",
        "Gradient descent with lr = c / lambda_max, c > 2: by what factor does the loss's component along the "
        "steepest direction grow per step?",
        (high - 1) ** 2,
        given={"c": high},
        tolerance=1e-3,
    )
