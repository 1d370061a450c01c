"""L2 regularization: lambda * sum w^2, weight decay in SGD, a validation U-curve, Adam vs AdamW."""

from __future__ import annotations

from mlterms.demos.hand.regularization import mse_grad, ridge_closed_form
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 30  # features of the U-curve regression
LAMBDAS = [10.0**e for e in (-3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2)]


@demo(
    summary="L2 regularization adds lambda * sum w^2 to the loss: its gradient 2*lambda*w shrinks big "
    "weights most but rarely makes one exactly zero; in plain SGD it equals weight decay 2*lambda, with "
    "Adam the two differ (AdamW decouples the decay).",
    params=[
        Param("lam", "float", 0.1, "lambda, the weight of the L2 penalty", min=0.0, max=2.0),
        Param("n", "int", 36, "training points of the U-curve regression (30 features)", min=10, max=200),
    ],
)
def run(r: Report, *, lam: float, n: int) -> None:
    sgd_step(r, lam)
    u_curve(r, n)
    adam_vs_adamw(r, lam)


def sgd_step(r: Report, lam: float) -> None:
    import torch
    from torch.optim.sgd import sgd  # the function torch.optim.SGD.step() runs

    dt, lr = torch.float64, 0.1
    X = torch.randn(32, 4, dtype=dt)  # (N, D)
    y = X @ torch.tensor([2.0, -1.0, 0.5, 1.5], dtype=dt) + 0.3 * torch.randn(32, dtype=dt)  # (N,)

    s = r.section("one SGD step: the penalty by hand vs weight_decay")
    w0 = torch.randn(4, dtype=dt)  # (D,) current weights
    g = mse_grad(X, w0, y)  # (D,) gradient of the plain loss
    w_hand = w0 - lr * (g + 2 * lam * w0)  # the gradient of loss + lam*||w||^2 is g + 2*lam*w
    w_torch = w0.clone()
    sgd([w_torch], [g.clone()], [None], weight_decay=2 * lam, momentum=0.0, lr=lr, dampening=0.0,
        nesterov=False, maximize=False)  # fmt: skip
    s.note(
        "w <- w - lr*(grad + 2*lambda*w) = (1 - 2*lr*lambda)*w - lr*grad: every step shrinks w by a factor."
    )
    s.table(["", "w0", "plain gradient", "w1 by hand", "w1 sgd(weight_decay=2*lambda)"],
            [[f"w[{j}]", w0[j], g[j], w_hand[j], w_torch[j]] for j in range(4)])  # fmt: skip
    r.check_close("hand step on loss + lambda*||w||^2 == torch.optim.sgd.sgd(weight_decay=2*lambda)", w_hand, w_torch,
                  atol=1e-12)  # fmt: skip
    w, step = torch.zeros(4, dtype=dt), 1 / float(2 * torch.linalg.eigvalsh(X.T @ X / 32).max() + 2 * lam)
    for _ in range(300):  # gradient descent on the penalised loss, lr = 1 / its largest curvature
        w = w - step * (mse_grad(X, w, y) + 2 * lam * w)
    r.check_close("300 GD steps on the penalised loss == closed form (X^T X/N + lambda I)^-1 X^T y/N", w,
                  ridge_closed_form(X, y, lam), atol=1e-8)  # fmt: skip
    r.exercise("one-step", "One SGD step on loss + lambda*||w||^2 (lr 0.1): what is w1[0]?", w_hand[0],
               given={"w0[0]": w0[0], "grad[0]": g[0], "lambda": lam, "lr": lr}, tolerance=1e-3)  # fmt: skip


def u_curve(r: Report, n: int) -> None:
    import torch

    dt = torch.float64
    w_true = 1.5 * torch.randn(D, dtype=dt) / D**0.5  # (D,)
    X, X_val = torch.randn(n, D, dtype=dt), torch.randn(1000, D, dtype=dt)  # (N, D), (V, D)
    y, y_val = X @ w_true + torch.randn(n, dtype=dt), X_val @ w_true + torch.randn(1000, dtype=dt)

    s = r.section(f"lambda on validation data: a U-curve ({n} points, {D} features)")
    rows, norms, train, val = [], [], [], []
    for lam in LAMBDAS:
        w = ridge_closed_form(X, y, lam)  # the exact minimiser of MSE + lam*||w||^2
        norms.append(float(w.norm()))
        train.append(float(((X @ w - y) ** 2).mean()))
        val.append(float(((X_val @ w - y_val) ** 2).mean()))
        rows.append([lam, norms[-1], train[-1], val[-1], int((w == 0).sum())])
    s.table(["lambda", "||w||", "train MSE", "validation MSE", "weights exactly 0"], rows)
    s.plot("validation MSE against log10 lambda", [round(torch.log10(torch.tensor(v)).item(), 2) for v in LAMBDAS],
           validation=val, train=train)  # fmt: skip
    best = min(range(len(val)), key=val.__getitem__)
    s.note(
        "Small lambda: the weights fit the noise (low train, high validation MSE). Large lambda: the "
        "weights shrink towards 0 and the model underfits. In between, the validation minimum: choose "
        "lambda there, on validation data, never on the training loss (which always prefers lambda = 0)."
    )
    r.check("train MSE never falls as lambda grows", all(a <= b + 1e-12 for a, b in zip(train, train[1:], strict=False)),
            kind="property")  # fmt: skip
    r.check("||w|| never grows as lambda grows", all(a >= b - 1e-12 for a, b in zip(norms, norms[1:], strict=False)),
            kind="property")  # fmt: skip
    r.effect("validation MSE is U-shaped: the best lambda beats both ends by 10%",
             0.9 * min(val[0], val[-1]) > val[best], f"best lambda {LAMBDAS[best]:g}: {val[best]:.3f}, "
             f"ends {val[0]:.3f} and {val[-1]:.3f}", asserted=n == 36)  # fmt: skip


def adam_step(p, g, m, v, t: int, lr: float, wd: float, decoupled: bool, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step by hand, in place. Adam's weight_decay adds wd*p to the gradient (an L2 penalty, then
    rescaled by 1/sqrt(v)); AdamW (decoupled) shrinks p by lr*wd*p directly."""
    b1, b2 = betas
    if decoupled:
        p.mul_(1 - lr * wd)
    else:
        g = g + wd * p
    m.mul_(b1).add_((1 - b1) * g)
    v.mul_(b2).add_((1 - b2) * g * g)
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    p.sub_(lr * m_hat / (v_hat.sqrt() + eps))


def adam_vs_adamw(r: Report, lam: float, steps: int = 50, lr: float = 0.01) -> None:
    import torch
    from torch.optim.adam import adam
    from torch.optim.adamw import adamw

    s = r.section("Adam's weight_decay vs AdamW")
    wd = 2 * lam
    target = torch.tensor([3.0, 0.0], dtype=torch.float64)

    def data_grad(p):  # w[0] has a strong data gradient, w[1] none at all
        return torch.tensor([10.0, 0.0], dtype=torch.float64) * (p - target) * torch.tensor([1.0, 0.0])

    finals = {}
    for name, decoupled, ref in (("Adam(weight_decay)", False, adam), ("AdamW", True, adamw)):
        p, m, v = (
            torch.ones(2, dtype=torch.float64),
            torch.zeros(2, dtype=torch.float64),
            torch.zeros(2, dtype=torch.float64),
        )
        q, mq, vq, t_q = p.clone(), m.clone(), v.clone(), torch.tensor(0.0)
        for t in range(1, steps + 1):
            g = data_grad(p)
            adam_step(p, g, m, v, t, lr, wd, decoupled)
            ref([q], [data_grad(q)], [mq], [vq], [], [t_q], amsgrad=False, beta1=0.9, beta2=0.999, lr=lr,
                weight_decay=wd, eps=1e-8, maximize=False)  # fmt: skip
        r.check_close(f"{name}: hand step == torch.optim.{'adamw.adamw' if decoupled else 'adam.adam'}", p, q,
                      atol=1e-10)  # fmt: skip
        finals[name] = p
    closed = (1 - lr * wd) ** steps
    s.table(["", "w[1] after 50 steps (from 1, no data gradient)", "w[0] after 50 steps (pulled to 3)"],
            [[name, p[1], p[0]] for name, p in finals.items()] + [["(1 - lr*wd)^50", closed, "-"]])  # fmt: skip
    if wd > 0:
        r.check_close("AdamW: a weight with no data gradient decays exactly as (1 - lr*wd)^t", finals["AdamW"][1],
                      torch.tensor(closed, dtype=torch.float64), atol=1e-12)  # fmt: skip
    s.note(
        "Adam's weight_decay adds wd*w to the gradient, and Adam then divides by its running RMS: w[1], "
        "whose only gradient is wd*w, moves about lr per step whatever wd is. AdamW applies the decay "
        "outside the adaptive step, w <- (1 - lr*wd) w, so every weight decays at the rate wd sets."
    )
