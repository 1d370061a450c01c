"""Weight decay: a shrink of every weight at each step; L2 under SGD, something else under Adam."""

from __future__ import annotations

import math

from mlterms.demos.hand.fitting import legendre_features, noisy_sample, normal_equations
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

NOISE, N, DEGREE = 0.2, 15, 14  # the overfitting setting of `mlterms demo overfitting`
GD_STEPS, ADAM_STEPS, ADAM_LR, CHECKED = 1000, 300, 0.05, 20


@demo(
    summary="Weight decay shrinks every weight a little toward zero at each step, w = w - lr * (grad + "
    "wd * w): in plain SGD exactly L2 regularization with lambda = wd / 2; under Adam not the same, "
    "and AdamW applies the decay to the weights directly, decoupled from the gradient.",
    params=[Param("wd", "float", 0.02, "the weight-decay coefficient", min=0.01, max=0.2)],
)
def run(r: Report, *, wd: float) -> None:
    (x, y), (xt, yt) = noisy_sample(N, NOISE), noisy_sample(2000, NOISE)
    X, Xt = legendre_features(x, DEGREE), legendre_features(xt, DEGREE)  # (N, p), (2000, p)
    one_sgd_step(r, X, y, wd)
    held_out(r, (X, y), (Xt, yt), wd)
    under_adam(r, (X, y), (Xt, yt), wd)
    lr = 0.1
    r.exercise(
        "half-life",
        "With zero gradient, each step multiplies w by (1 - lr * wd). After how many steps is w halved?",
        math.log(2) / -math.log(1 - lr * wd),
        given={"lr": lr, "wd": wd},
        tolerance=0.5,
    )


def quadratic(X, y):
    """mean((X w - y)^2) has gradient A w - b with A = 2 X^T X / N (p, p) and b = 2 X^T y / N (p,)."""
    return 2 * X.T @ X / len(y), 2 * X.T @ y / len(y)


def one_sgd_step(r: Report, X, y, wd: float) -> None:
    import torch
    from torch.optim.sgd import sgd

    s = r.section("one SGD step: a penalty, or a shrink, are the same step")
    lr = 0.1
    w0 = torch.randn(X.shape[1], dtype=torch.float64)  # (p,)
    A, b = quadratic(X, y)
    g = A @ w0 - b  # (p,) gradient of the plain loss
    coupled = w0 - lr * (g + wd * w0)  # decay added to the gradient
    decoupled = (1 - lr * wd) * w0 - lr * g  # shrink the weights, then the plain gradient step
    w = w0.clone().requires_grad_()
    penalised = ((X @ w - y) ** 2).mean() + wd / 2 * (w**2).sum()  # L2 with lambda = wd / 2
    (g_pen,) = torch.autograd.grad(penalised, w)
    ref = w0.clone()
    sgd(
        [ref],
        [g.clone()],
        [None],
        weight_decay=wd,
        momentum=0.0,
        lr=lr,
        dampening=0.0,
        nesterov=False,
        maximize=False,
    )
    s.table(
        ["", "w0", "coupled: w - lr (g + wd w)", "decoupled: (1 - lr wd) w - lr g"],
        [[f"w[{k}]", w0[k], coupled[k], decoupled[k]] for k in range(4)],
        title=f"the first 4 of {len(w0)} weights, lr {lr}, wd {wd:g}",
    )
    r.check_close("coupled step by hand == torch.optim.sgd.sgd(weight_decay=wd)", coupled, ref, atol=1e-12)
    r.check_close(
        "a plain step on loss + (wd/2) ||w||^2 == the coupled step", w0 - lr * g_pen, coupled, atol=1e-12
    )
    r.check_close(
        "SGD: decoupled == coupled (they coincide)", decoupled, coupled, atol=1e-12, kind="property"
    )
    rows = [[lr_i, 1 - lr_i * wd, math.log(2) / -math.log(1 - lr_i * wd)] for lr_i in (0.01, 0.1, 0.5)]
    s.table(["lr", "shrink per step 1 - lr wd", "steps to halve (zero gradient)"], rows)
    s.note(
        "The shrink per step is lr * wd: halve the learning rate and the decay per step halves too. "
        "PyTorch's SGD and AdamW both scale the decay by lr; in Loshchilov & Hutter's AdamW the decay "
        "has its own factor, only multiplied by the schedule. Compare wd values across code bases "
        "with care."
    )


def held_out(r: Report, train, test, wd: float) -> None:
    import torch

    (X, y), (Xt, yt) = train, test
    s = r.section(f"the effect: degree {DEGREE} on {N} points, {GD_STEPS} full-batch SGD steps")
    A, b = quadratic(X, y)
    lr = 1 / float(torch.linalg.eigvalsh(A).max())
    decay = torch.tensor([[0.0], [wd]], dtype=torch.float64)  # (2, 1) rows: no decay, weight decay
    W = torch.zeros(2, X.shape[1], dtype=torch.float64)  # (2, p) one run per row
    for _ in range(GD_STEPS):
        W = W - lr * (W @ A - b + decay * W)  # A is symmetric: each row's gradient is A w - b
    train_mse, test_mse = ((W @ X.T - y) ** 2).mean(1), ((W @ Xt.T - yt) ** 2).mean(1)  # (2,) each
    s.table(
        ["", "||w||", "train MSE", "held-out MSE"],
        [[name, W[i].norm(), train_mse[i], test_mse[i]] for i, name in enumerate(("no decay", f"wd {wd:g}"))],
        title=f"from w = 0, lr {lr:.3f}",
    )
    s.note(
        "Without decay the fit drifts toward the interpolating polynomial; with it, it settles at the "
        "L2-penalised fit with lambda = wd/2 (`mlterms demo regularization` tunes that lambda)."
    )
    r.effect(
        "weight decay lowers the held-out MSE",
        bool(test_mse[1] < test_mse[0]),
        f"{float(test_mse[1]):.3f} < {float(test_mse[0]):.3f}",
    )


def adam_by_hand(X, y, decay, steps: int, lr: float = ADAM_LR, b1=0.9, b2=0.999, eps=1e-8):
    """Adam on each row of W at once. decay: (R, 2), per row [coupled L2 wd, decoupled wd].

    Coupled: wd * w joins the gradient, so it is averaged and divided by sqrt(v) with it.
    Decoupled (AdamW): w <- w (1 - lr wd) before the Adam step, untouched by m and v."""
    import torch

    A, b = quadratic(X, y)
    W = torch.zeros(len(decay), X.shape[1], dtype=X.dtype)  # (R, p)
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    for t in range(1, steps + 1):
        g = W @ A - b + decay[:, :1] * W  # (R, p)
        W = W * (1 - lr * decay[:, 1:])
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        W = W - lr * (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + eps)
    return W


def torch_adam(X, y, wd: float, steps: int, decoupled: bool):
    """The same run with torch's functional adam / adamw (autograd gradients)."""
    import torch
    from torch.optim.adam import adam
    from torch.optim.adamw import adamw

    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    m, v, step = torch.zeros_like(w), torch.zeros_like(w), torch.tensor(0.0)
    update = adamw if decoupled else adam
    for _ in range(steps):
        (g,) = torch.autograd.grad(((X @ w - y) ** 2).mean(), w)
        with torch.no_grad():
            update([w], [g], [m], [v], [], [step], amsgrad=False, beta1=0.9, beta2=0.999, lr=ADAM_LR,
                   weight_decay=wd, eps=1e-8, maximize=False)  # fmt: skip
    return w.detach()


def under_adam(r: Report, train, test, wd: float) -> None:
    import torch

    (X, y), (Xt, yt) = train, test
    s = r.section(f"under Adam they differ ({ADAM_STEPS} steps, lr {ADAM_LR})")
    decay = torch.tensor([[0.0, 0.0], [wd, 0.0], [0.0, wd]], dtype=torch.float64)  # (3, 2)
    W = adam_by_hand(X, y, decay, ADAM_STEPS)
    names = ("no decay", "Adam(weight_decay): L2 in the gradient", "AdamW: decoupled")
    ridge = normal_equations(X, y, wd / 2)  # argmin mean((Xw - y)^2) + (wd/2) ||w||^2
    test_mse = ((W @ Xt.T - yt) ** 2).mean(1)  # (3,)
    s.table(
        ["optimizer", "||w||", "held-out MSE"],
        [*([names[i], W[i].norm(), test_mse[i]] for i in range(3)),
         ["L2 minimiser, lambda = wd/2 (normal equations)", ridge.norm(), ((Xt @ ridge - yt) ** 2).mean()]],
    )  # fmt: skip
    s.note(
        "Coupled L2 under Adam still minimises loss + (wd/2) ||w||^2: at its fixed point the whole "
        "gradient g + wd w is 0. But on the way, Adam divides g + wd w by sqrt(v), so a weight with "
        "large gradients is barely decayed. AdamW shrinks every weight by the same lr * wd per step, "
        "whatever its gradient; its fixed point is in general the minimiser of no penalised loss, and "
        "with the same wd it decays less "
        "here (lr * wd * steps is small). The L2 side is in `mlterms demo l2 regularization`."
    )
    r.check_close(
        f"Adam + L2 after {ADAM_STEPS} steps == the L2 minimiser (normal equations)", W[1], ridge, atol=5e-3
    )  # Adam's last steps still wander ~1e-3 around the fixed point (up to 1.4e-3 over wd and seeds)
    few = adam_by_hand(X, y, decay[1:], CHECKED)
    r.check_close(
        f"hand Adam + L2 == torch.optim.adam.adam ({CHECKED} steps)",
        few[0],
        torch_adam(X, y, wd, CHECKED, False),
    )
    r.check_close(
        f"hand AdamW == torch.optim.adamw.adamw ({CHECKED} steps)",
        few[1],
        torch_adam(X, y, wd, CHECKED, True),
    )
    apart = float((W[1] - W[2]).norm() / W[2].norm())
    r.effect(
        "Adam: coupled L2 and AdamW end > 10% apart",
        apart > 0.1,
        f"||difference|| / ||w_AdamW|| = {apart:.2f}",
    )
