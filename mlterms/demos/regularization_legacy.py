"""Demos: regularization."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


def dropout_by_hand(x: torch.Tensor, keep: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted dropout: zero the dropped units, scale the survivors by 1/(1-p)."""
    return x * keep / (1 - p)


def soft_threshold(w: torch.Tensor, t: float) -> torch.Tensor:
    """The proximal step of t*|w|: move every weight t towards 0, stopping at exactly 0.

    Same as sign(w) * max(|w| - t, 0), written so that the zeros come out as 0.0 rather than -0.0.
    """
    return w - w.clamp(-t, t)


def mse_grad(X: torch.Tensor, w: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Gradient of mean((X @ w - y)^2) with respect to w, by hand."""
    return 2 * X.T @ (X @ w - y) / len(y)  # (D,)


def fit_lasso(
    X: torch.Tensor, y: torch.Tensor, lam: float, lr: float = 0.3, steps: int = 100
) -> torch.Tensor:
    """Minimise mean((X @ w - y)^2) + lam * sum|w| by proximal gradient descent (ISTA); lam=0 is plain GD."""
    import torch

    w = torch.zeros(X.shape[1], dtype=X.dtype)  # (D,)
    for _ in range(steps):
        w = soft_threshold(w - lr * mse_grad(X, w, y), lr * lam)
    return w


def ridge_closed_form(X: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    """argmin_w mean((X @ w - y)^2) + lam * ||w||^2, i.e. (X^T X / N + lam I) w = X^T y / N."""
    import torch

    n, d = X.shape
    return torch.linalg.solve(X.T @ X / n + lam * torch.eye(d, dtype=X.dtype), X.T @ y / n)


@demo(
    "dropout",
    summary="Dropout zeroes each unit independently with probability p during training (so how many "
    "are dropped varies every step), scales the survivors by 1/(1-p), and does nothing in eval.",
)
def dropout(r: Report) -> None:
    import torch
    import torch.nn as nn

    p, n = 0.5, 8
    x = torch.rand(n) + 0.5  # (8,) one layer's activations, all nonzero so a 0 in the output means "dropped"
    drop = nn.Dropout(p)  # a fresh module is in training mode

    state = torch.get_rng_state()
    out = drop(x)  # (8,)
    torch.set_rng_state(state)  # rewind the global generator: draw the same mask again, by hand
    keep = torch.empty(n).bernoulli_(1 - p)  # (8,) 1 = kept, each unit independently Bernoulli(1-p)
    s = r.section("one training step: nn.Dropout vs by hand")
    s.note(
        "We save the global RNG state, run nn.Dropout, restore the state and draw a Bernoulli(1-p) mask "
        "ourselves: the same generator state gives the same mask (this is how PyTorch draws it on CPU)."
    )
    s.tensor("x", x)
    s.tensor("keep mask (by hand)", keep)
    s.tensor("nn.Dropout(p=0.5)(x)", out)
    s.note("Survivors are scaled by 1/(1-p) = 2 (inverted dropout), so nothing needs rescaling at eval time.")
    r.check_equal("hand mask == units nn.Dropout kept", (out != 0).tolist(), keep.bool().tolist())
    r.check_close("x * mask / (1-p) == nn.Dropout(x)", dropout_by_hand(x, keep, p), out, atol=1e-6)
    scaled = torch.isclose(out, x / (1 - p), rtol=0, atol=1e-6)
    r.check("each output is either 0 or x / (1-p)", bool(((out == 0) | scaled).all()))

    s = r.section("the number dropped is random, not fixed")
    s.note(
        "The notes say dropout removes 'a fixed number of units'. It does not: every unit is dropped "
        "on its own with probability p, so the count is Binomial(n, p): n*p on average, different "
        "at every step."
    )
    masks = [(drop(x) != 0).int() for _ in range(10)]  # 10 training steps, a new mask each step
    rows = [[t, " ".join(map(str, m.tolist())), int(n - m.sum())] for t, m in enumerate(masks)]
    s.table(["step", "keep mask", "dropped"], rows)
    counts = [row[2] for row in rows]
    r.check("dropped count changes from step to step", len(set(counts)) > 1, f"counts {counts}")

    T = 4000  # many more steps: the count is Binomial(n, p)
    dropped = (drop(x.expand(T, n)) == 0).sum(dim=1)  # (T,) each row gets its own independent mask
    ks = torch.arange(n + 1)
    observed = torch.bincount(dropped, minlength=n + 1).double() / T  # (n+1,)
    binom = torch.tensor([_binom_pmf(n, int(k), p) for k in ks], dtype=torch.float64)
    s.plot(f"units dropped per step over {T} steps", ks, observed=observed, binomial_pmf=binom)
    mean_count, se = dropped.double().mean(), (n * p * (1 - p) / T) ** 0.5
    s.scalar("mean dropped per step", mean_count)
    s.scalar("expected n*p", n * p)
    z = float(mean_count - n * p) / se
    r.check("mean dropped count = n*p within 4 standard errors", abs(z) < 4, f"z = {z:.2f}")
    distinct = int((observed > 0).sum())
    r.check("several different counts occur", distinct >= 3, f"{distinct} different counts")

    s = r.section("the mean is preserved")
    outs = drop(x.double().expand(T, n))  # (T, n) T independent training-mode passes
    mean_out = outs.mean(dim=0)  # (n,)
    se_units = x.double() * (p / (1 - p) / T) ** 0.5  # (n,) std of one output is x*sqrt(p/(1-p))
    s.table(
        ["unit", "x", f"mean of {T} dropout outputs", "standard error"],
        [[j, x[j], mean_out[j], se_units[j]] for j in range(n)],
    )
    se_all = (se_units**2).sum() ** 0.5 / n  # standard error of the grand mean over units
    z = (outs.mean() - x.double().mean()) / se_all
    r.check("E[dropout(x)] = x: grand mean within 4 standard errors", abs(z) < 4, f"z = {float(z):.2f}")

    s = r.section("eval mode: the identity")
    drop.eval()
    s.note("model.eval() switches dropout off: every unit passes unchanged, no scaling.")
    r.check("eval: nn.Dropout(x) == x exactly", torch.equal(drop(x), x))


def _binom_pmf(n: int, k: int, p: float) -> float:
    from math import comb

    return comb(n, k) * p**k * (1 - p) ** (n - k)


def _sparse_regression(n: int = 200, relevant: tuple[float, ...] = (3.0, -2.0, 1.5), irrelevant: int = 7):
    """y depends on the first few features only; the rest are noise features."""
    import torch

    w_true = torch.tensor(list(relevant) + [0.0] * irrelevant, dtype=torch.float64)  # (D,)
    X = torch.randn(n, len(w_true), dtype=torch.float64)  # (N, D)
    y = X @ w_true + 0.5 * torch.randn(n, dtype=torch.float64)  # (N,)
    return X, y, w_true


@demo(
    "l1 regularization",
    summary="L1 regularization adds lambda * sum|w| to the loss; its pull towards 0 does not fade as w "
    "shrinks, so it drives irrelevant weights to exactly 0 (a sparse model).",
)
def l1_regularization(r: Report) -> None:
    import torch

    lam = 0.6
    X, y, w_true = _sparse_regression()
    d, n_rel = len(w_true), 3

    s = r.section("the penalty's gradient")
    w = torch.randn(d, dtype=torch.float64, requires_grad=True)  # (D,)
    (lam * w.abs().sum()).backward()
    s.note("d/dw lambda*|w| = lambda*sign(w): the same size whether w is 5 or 0.001 (L2's 2*lambda*w fades).")
    s.table(
        ["w", "autograd", "lambda*sign(w)"],
        [[a, g, lam * torch.sign(a)] for a, g in zip(w, w.grad, strict=True)],
    )
    r.check_close("autograd grad of lambda*sum|w| == lambda*sign(w)", w.grad, lam * torch.sign(w.detach()))

    s = r.section("linear regression: 3 relevant + 7 irrelevant features")
    s.note(
        f"Loss = mean((X w - y)^2) + lambda*sum|w|, lambda={lam}, 100 proximal-gradient steps: a gradient "
        "step on the MSE, then soft-thresholding (shrink every |w| by lr*lambda, stop at 0). Plain "
        "subgradient steps would only make w jitter around 0 by about lr*lambda."
    )
    w_plain, w_l1 = fit_lasso(X, y, 0.0), fit_lasso(X, y, lam)
    s.table(
        ["feature", "true w", "no penalty", "with L1"],
        [
            [f"x{j}" + ("" if j < n_rel else " (irrelevant)"), w_true[j], w_plain[j], w_l1[j]]
            for j in range(d)
        ],
    )
    small_plain, small_l1 = int((w_plain.abs() < 1e-2).sum()), int((w_l1.abs() < 1e-2).sum())
    s.table(["", "no penalty", "with L1"], [["weights with |w| < 1e-2", small_plain, small_l1]])
    least_squares = ridge_closed_form(X, y, 0.0)  # torch.linalg.solve on the normal equations
    r.check_close(
        "no penalty: gradient descent == least squares (torch.linalg.solve)",
        w_plain,
        least_squares,
        atol=1e-8,
    )
    r.check("L1: every irrelevant weight |w| < 1e-2", bool((w_l1[n_rel:].abs() < 1e-2).all()))
    r.check("L1: relevant weights kept (|w| > 0.5)", bool((w_l1[:n_rel].abs() > 0.5).all()))
    s.note("The price: L1 also pulls the relevant weights towards 0, by about lambda/2 here.")
    r.check("L1 gives more near-zero weights", small_l1 > small_plain, f"{small_l1} vs {small_plain}")


@demo(
    "l2 regularization",
    summary="L2 regularization adds lambda * ||w||^2 to the loss, shrinking all weights towards 0 (rarely "
    "to exactly 0); for SGD it is the same as weight_decay = 2*lambda.",
)
def l2_regularization(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    X = torch.randn(32, 4, dtype=torch.float64)  # (N, D)
    w_true = torch.tensor([2.0, -1.0, 0.5, 1.5], dtype=torch.float64)  # (D,)
    y = X @ w_true + 0.3 * torch.randn(32, dtype=torch.float64)  # (N,)
    lam, lr = 0.1, 0.1

    s = r.section("one SGD step: penalty by hand vs weight_decay")
    w0 = torch.randn(4, dtype=torch.float64)  # (D,) current weights
    g = mse_grad(X, w0, y)  # (D,) gradient of the plain loss
    w_hand = w0 - lr * (g + 2 * lam * w0)  # gradient of loss + lam*||w||^2 is g + 2*lam*w
    w = w0.clone().requires_grad_()
    opt = torch.optim.SGD([w], lr=lr, weight_decay=2 * lam)  # weight_decay adds wd * w to the gradient
    F.mse_loss(X @ w, y).backward()  # the plain loss, no penalty term
    opt.step()
    s.note(
        "w <- w - lr*(grad + 2*lambda*w) = (1 - 2*lr*lambda)*w - lr*grad: every step shrinks w by a factor."
    )
    s.table(
        ["", "w0", "plain gradient", "w1 by hand", "w1 SGD(weight_decay=2*lambda)"],
        [[f"w[{j}]", w0[j], g[j], w_hand[j], w.detach()[j]] for j in range(4)],
    )
    r.check_close("hand step on loss + lambda*||w||^2 == SGD(weight_decay=2*lambda)", w_hand, w.detach())
    r.check_close("w1 = (1 - 2*lr*lambda)*w0 - lr*grad", (1 - 2 * lr * lam) * w0 - lr * g, w_hand, atol=1e-12)

    s = r.section("larger lambda, smaller weights")
    w_gd = torch.zeros(4, dtype=torch.float64)
    for _ in range(100):  # plain gradient descent on the penalised loss, lambda = 1
        w_gd = w_gd - lr * (mse_grad(X, w_gd, y) + 2 * 1.0 * w_gd)
    rows, norms = [], []
    for lam_i in (0.0, 0.1, 1.0, 10.0):
        w_i = ridge_closed_form(X, y, lam_i)
        norms.append(float(w_i.norm()))
        rows.append([lam_i, " ".join(f"{v:+.3f}" for v in w_i.tolist()), w_i.norm(), F.mse_loss(X @ w_i, y)])
    s.table(["lambda", "w (exact minimiser)", "||w||", "train MSE"], rows)
    s.note(
        f"True w = {w_true.tolist()}. The weights shrink smoothly but none becomes exactly 0 (compare L1)."
    )
    r.check_close(
        "100 GD steps == closed form (X^T X/N + lambda I)^-1 X^T y/N",
        w_gd,
        ridge_closed_form(X, y, 1.0),
        atol=1e-8,
    )
    r.check(
        "||w|| falls as lambda grows",
        all(a > b for a, b in zip(norms[:-1], norms[1:], strict=True)),
        str(norms),
    )
