"""L1 regularization: lambda * sum|w|, the KKT conditions, and why exact zeros need a proximal step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.hand.regularization import mse_grad, ridge_closed_form
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

RELEVANT = (3.0, -2.0, 1.5)  # the true weights of the relevant features
IRRELEVANT = 7  # features the target does not depend on
STEPS = 300


def soft_threshold(w: torch.Tensor, t: float) -> torch.Tensor:
    """The proximal step of t*|w|: move every weight t towards 0, stopping at exactly 0.

    Same as sign(w) * max(|w| - t, 0), written so that the zeros come out as 0.0 rather than -0.0.
    """
    return w - w.clamp(-t, t)


def fit_lasso(X: torch.Tensor, y: torch.Tensor, lam: float, lr: float, steps: int = STEPS) -> torch.Tensor:
    """Minimise mean((X @ w - y)^2) + lam * sum|w| by proximal gradient descent (ISTA): a gradient
    step on the MSE, then soft-thresholding by lr * lam. lam=0 is plain gradient descent."""
    import torch

    w = torch.zeros(X.shape[1], dtype=X.dtype)  # (D,)
    for _ in range(steps):
        w = soft_threshold(w - lr * mse_grad(X, w, y), lr * lam)
    return w


def fit_subgradient(
    X: torch.Tensor, y: torch.Tensor, lam: float, lr: float, steps: int = STEPS
) -> torch.Tensor:
    """The same loss by plain subgradient descent: w <- w - lr * (dMSE/dw + lam * sign(w))."""
    import torch

    w = torch.zeros(X.shape[1], dtype=X.dtype)  # (D,)
    for _ in range(steps):
        w = w - lr * (mse_grad(X, w, y) + lam * torch.sign(w))
    return w


@demo(
    summary="L1 regularization adds lambda * sum|w| to the loss; its pull lambda * sign(w) does not fade as "
    "w shrinks, so at the optimum every weight whose data gradient at 0 is at most lambda is exactly 0: "
    "a sparse model.",
    params=[
        Param("lam", "float", 0.6, "lambda, the weight of the L1 penalty", min=0.0, max=3.0),
        Param("n", "int", 200, "training points", min=50, max=400),
    ],
)
def run(r: Report, *, lam: float, n: int) -> None:
    import torch

    d = len(RELEVANT) + IRRELEVANT
    w_true = torch.tensor(list(RELEVANT) + [0.0] * IRRELEVANT, dtype=torch.float64)  # (D,)
    X = torch.randn(n, d, dtype=torch.float64)  # (N, D)
    y = X @ w_true + 0.5 * torch.randn(n, dtype=torch.float64)  # (N,)
    lr = 1 / (2 * float(torch.linalg.eigvalsh(X.T @ X / n).max()))  # 1/L, L the MSE's largest curvature

    s = r.section("the penalty's gradient")
    w = torch.randn(d, dtype=torch.float64, requires_grad=True)  # (D,)
    (lam * w.abs().sum()).backward()
    assert w.grad is not None  # backward() just filled it
    s.note("d/dw lambda*|w| = lambda*sign(w): the same size whether w is 5 or 0.001 (L2's 2*lambda*w fades).")
    s.table(
        ["w", "autograd", "lambda*sign(w)"],
        [[a, g, lam * torch.sign(a)] for a, g in zip(w, w.grad, strict=True)],
    )
    r.check_close("autograd grad of lambda*sum|w| == lambda*sign(w)", w.grad, lam * torch.sign(w.detach()))

    w_l1 = fit_lasso(X, y, lam, lr)
    kkt(r, X, y, w_l1, lam)
    w_sub, w_plain = fit_subgradient(X, y, lam, lr), fit_lasso(X, y, 0.0, lr)
    r.check_close("lambda = 0: gradient descent == least squares (torch.linalg.solve)", w_plain,
                  ridge_closed_form(X, y, 0.0), atol=1e-8)  # fmt: skip

    s = r.section(f"{len(RELEVANT)} relevant + {IRRELEVANT} irrelevant features: subgradient vs proximal")
    s.note(
        f"Loss = mean((X w - y)^2) + lambda*sum|w|, lambda = {lam:g}, {STEPS} steps of lr = 1/L each. "
        "Subgradient descent adds lambda*sign(w) to the gradient: a weight near 0 jumps over 0 and back, "
        "by about lr*lambda, and is never exactly 0. The proximal step (soft-thresholding) shrinks every "
        "|w| by lr*lambda and stops at 0, so the weights the KKT conditions want at 0 are exactly 0."
    )
    s.table(
        ["feature", "true w", "no penalty", "L1, subgradient", "L1, proximal"],
        [[f"x{j}" + ("" if j < len(RELEVANT) else " (irrelevant)"), w_true[j], w_plain[j], w_sub[j], w_l1[j]]
         for j in range(d)],
    )  # fmt: skip
    zeros = [int((v == 0).sum()) for v in (w_plain, w_sub, w_l1)]
    s.table(["count", "no penalty", "L1, subgradient", "L1, proximal"], [["weights exactly 0", *zeros]])
    k = len(RELEVANT)
    r.effect("proximal L1: every irrelevant weight is exactly 0", bool((w_l1[k:] == 0).all()),
             f"{int((w_l1[k:] == 0).sum())} of {IRRELEVANT}")  # fmt: skip
    r.effect("proximal L1: the relevant weights are kept (|w| > 0.5)", bool((w_l1[:k].abs() > 0.5).all()))
    r.effect("subgradient descent leaves no exact zeros", zeros[1] == 0, f"{zeros[1]} exact zeros")
    s.note(
        "The price: L1 also pulls the relevant weights towards 0, by about lambda/2 here (X^T X / N is near I)."
    )
    g = w_plain + 0.3 * torch.randn(d, dtype=torch.float64)  # (D,) some weights after a gradient step
    r.exercise("prox-zeros", "One proximal step soft_threshold(w, t): how many of these weights become exactly 0?",
               int((g.abs() <= lr * lam).sum()), given={"w": g, "t": lr * lam})  # fmt: skip


def kkt(r: Report, X, y, w, lam: float) -> None:
    """The lasso's optimality conditions, independent of how w was found."""
    import torch

    s = r.section("is it the optimum? the KKT conditions")
    g = mse_grad(X, w, y)  # (D,) the data gradient at the solution
    zero = w == 0
    s.note(
        "At the minimum of MSE + lambda*sum|w|: a weight at 0 has |dMSE/dw| <= lambda (the penalty's kink "
        "absorbs the pull); any other weight has dMSE/dw = -lambda*sign(w). The original glossary said "
        "'small weights end up exactly zero': it is the weights whose data gradient at 0 is at most lambda."
    )
    s.table(["j", "w", "dMSE/dw", "condition"],
            [[j, w[j], g[j], "|g| <= lambda" if zero[j] else "g = -lambda*sign(w)"] for j in range(len(w))])  # fmt: skip
    slack = float((g[zero].abs() - lam).max()) if zero.any() else -1.0
    r.check(
        "zero weights: |dMSE/dw| <= lambda",
        slack <= 1e-8,
        f"max |g| - lambda = {slack:.1e}",
        kind="reference",
    )
    r.check_close(
        "nonzero weights: dMSE/dw == -lambda * sign(w)", g[~zero], -lam * torch.sign(w[~zero]), atol=1e-8
    )
