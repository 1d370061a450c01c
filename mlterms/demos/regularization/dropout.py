"""Dropout: a random mask each step, survivors scaled by 1/(1-p), identity at eval; less overfitting."""

from __future__ import annotations

from math import comb
from typing import TYPE_CHECKING

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch

T = 4000  # training-mode passes for the statistics


def dropout_by_hand(x: torch.Tensor, keep: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted dropout: zero the dropped units, scale the survivors by 1/(1-p)."""
    return x * keep / (1 - p)


@demo(
    summary="During training dropout zeroes each unit independently with probability p for one step (a "
    "random number of units, not a fixed count) and scales the survivors by 1/(1-p); at eval time it is "
    "the identity. It helps prevent overfitting.",
    params=[
        Param("p", "float", 0.5, "drop probability", min=0.0, max=0.9),
        Param("units", "int", 8, "units in the layer of the mask sections", min=2, max=64),
        Param("n", "int", 40, "training points of the overfitting regression (30 inputs)", min=10, max=400),
    ],
)
def run(r: Report, *, p: float, units: int, n: int) -> None:
    import torch
    import torch.nn as nn

    x = (
        torch.rand(units, dtype=torch.float64) + 0.5
    )  # (U,) activations, all nonzero: 0 in the output = dropped
    drop = nn.Dropout(p)  # a fresh module is in training mode
    one_step(r, drop, x, p)
    counts(r, drop, x, p)
    mean_kept(r, drop, x, p)
    s = r.section("eval mode: the identity")
    drop.eval()
    s.note("model.eval() switches dropout off: every unit passes unchanged, no scaling.")
    r.check("eval: nn.Dropout(x) == x exactly", torch.equal(drop(x), x), kind="property")
    overfitting(r, p, n)
    r.exercise("scale", "With drop probability p, by what factor are the surviving units scaled in training?",
               1 / (1 - p), given={"p": p}, tolerance=1e-3)  # fmt: skip
    r.exercise("expected-dropped", "A layer of `units` units: how many are dropped per step, on average?",
               units * p, given={"units": units, "p": p}, tolerance=1e-3)  # fmt: skip


def one_step(r: Report, drop, x, p: float) -> None:
    import torch

    state = torch.get_rng_state()
    out = drop(x)  # (U,)
    torch.set_rng_state(state)  # rewind the global generator: draw the same mask again, by hand
    keep = torch.empty_like(x).bernoulli_(1 - p)  # (U,) 1 = kept, each unit independently Bernoulli(1-p)
    s = r.section("one training step: nn.Dropout vs by hand")
    s.note(
        "We save the global RNG state, run nn.Dropout, restore the state and draw a Bernoulli(1-p) mask "
        "ourselves: the same generator state gives the same mask (this is how PyTorch draws it on CPU)."
    )
    s.tensor("x", x)
    s.tensor("keep mask (by hand)", keep)
    s.tensor(f"nn.Dropout(p={p:g})(x)", out)
    s.note(
        f"Survivors are scaled by 1/(1-p) = {1 / (1 - p):.4g} (inverted dropout): nothing to rescale at eval."
    )
    if p > 0:  # with p = 0 PyTorch returns x without drawing a mask
        r.check_equal("hand mask == the units nn.Dropout kept", (out != 0).tolist(), keep.bool().tolist(),
                      kind="reference")  # fmt: skip
        r.check_close("x * mask / (1-p) == nn.Dropout(x)", dropout_by_hand(x, keep, p), out, atol=1e-12)
    scaled = torch.isclose(out, x / (1 - p), rtol=0, atol=1e-12)
    r.check("each output is either 0 or x / (1-p)", bool(((out == 0) | scaled).all()), kind="property")


def counts(r: Report, drop, x, p: float) -> None:
    import torch

    units = len(x)
    s = r.section("the number dropped is random, not fixed")
    s.note(
        "The original notes said dropout removes 'a fixed number of units'. It does not: every unit is "
        f"dropped on its own with probability p, so the count is Binomial({units}, p): {units}*p on average, "
        "different at every step."
    )
    masks = [(drop(x) != 0).int() for _ in range(10)]  # 10 training steps, a new mask each step
    s.table(["step", "keep mask", "dropped"], [[t, " ".join(map(str, m.tolist())), int(units - m.sum())]
                                               for t, m in enumerate(masks)])  # fmt: skip
    dropped = (drop(x.expand(T, units)) == 0).sum(dim=1)  # (T,) each row gets its own independent mask
    ks = torch.arange(units + 1)
    observed = torch.bincount(dropped, minlength=units + 1).double() / T  # (U+1,)
    binom = torch.tensor(
        [comb(units, int(k)) * p**k * (1 - p) ** (units - k) for k in ks], dtype=torch.float64
    )
    s.plot(f"units dropped per step over {T} steps", ks, observed=observed, binomial_pmf=binom)
    mean, se = float(dropped.double().mean()), (units * p * (1 - p) / T) ** 0.5
    s.table(["", "value"], [["mean dropped per step", mean], ["Binomial mean n*p", units * p]])
    r.check("mean dropped count = n*p within 5 standard errors", abs(mean - units * p) <= 5 * se + 1e-12,
            f"{mean:.3f} vs {units * p:.3f} (se {se:.3f})", kind="property")  # fmt: skip


def mean_kept(r: Report, drop, x, p: float) -> None:
    units = len(x)
    s = r.section("the expected activation is unchanged")
    outs = drop(x.expand(T, units))  # (T, U) T independent training-mode passes
    mean_out = outs.mean(dim=0)  # (U,)
    se_units = x * (p / (1 - p) / T) ** 0.5  # (U,) the std of one output is x*sqrt(p/(1-p))
    s.table(["unit", "x", f"mean of {T} dropout outputs", "standard error"],
            [[j, x[j], mean_out[j], se_units[j]] for j in range(units)])  # fmt: skip
    se_all = float((se_units**2).sum() ** 0.5 / units)  # standard error of the grand mean over units
    z = float(outs.mean() - x.mean())
    r.check("E[dropout(x)] = x: grand mean within 5 standard errors", abs(z) <= 5 * se_all + 1e-12,
            f"diff {z:.4f}, se {se_all:.4f}", kind="property")  # fmt: skip


def overfitting(r: Report, p: float, n: int, d: int = 30, steps: int = 300, lr: float = 0.1) -> None:
    import torch

    s = r.section("why: held-out loss with and without dropout")
    w_true = torch.randn(d) / d**0.5  # (D,)
    x, x_val = torch.randn(n, d), torch.randn(1000, d)  # (N, D) training, (V, D) held-out inputs
    y, y_val = x @ w_true + torch.randn(n), x_val @ w_true + torch.randn(1000)  # noise as large as the signal
    rows, val = [], {}
    for rate in dict.fromkeys((0.0, p)):
        w, b = torch.zeros(d), torch.zeros(1)  # the simplest network: one linear layer, dropout on its inputs
        step = lr * min(1.0, 2 * (1 - rate))  # a smaller step for p > 0.5: the masks' noise grows as 1/(1-p)
        for _ in range(steps):  # full-batch gradient descent on the MSE, a new mask every step
            keep = torch.empty_like(x).bernoulli_(1 - rate)  # (N, D)
            xd = dropout_by_hand(x, keep, rate)  # (N, D)
            err = xd @ w + b - y  # (N,)
            w, b = w - step * 2 * xd.T @ err / n, b - step * 2 * err.mean()  # the MSE gradient, by hand
        train, held = float(((x @ w + b - y) ** 2).mean()), float(((x_val @ w + b - y_val) ** 2).mean())
        val[rate] = held
        rows.append([f"p = {rate:g}" + (" (no dropout)" if rate == 0 else ""), train, held, float(w.norm())])
    s.table(["training", "train MSE (eval mode)", "held-out MSE", "||w||"], rows)
    s.note(
        f"{n} training points, {d} inputs, noise as large as the signal: without dropout the layer fits the "
        "noise (low train MSE, high held-out MSE). Dropout on the inputs acts like a penalty on the "
        "weights (for a linear layer, close to an L2 penalty): higher train MSE, lower held-out MSE."
    )
    r.effect("dropout lowers the held-out loss", val.get(p, 0) < val[0.0] and p > 0,
             f"{val.get(p, val[0.0]):.3f} vs {val[0.0]:.3f} without")  # fmt: skip
