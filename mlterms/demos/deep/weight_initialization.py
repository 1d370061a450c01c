"""Weight initialization: Xavier's and He's variance formulas against nn.init, the scale kept through depth,
and a deep net that trains from He init but not from a tiny or a unit one."""

from __future__ import annotations

import math

from mlterms.demos.hand.deep import forward, init_std
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

BATCH = 128
SAMPLE_ROWS = 2048  # rows of the sampled weight: its sample variance is then within ~3% of the expectation
TRAIN = dict(inputs=4, width=32, depth=4, steps=50, n_train=64, n_test=256)
TRAIN_LR = 0.05


@demo(
    summary="Weight initialization picks the scale of the random starting weights so that activations and "
    "gradients keep their size through the layers: Var[w] = 2 / (fan_in + fan_out) (Xavier, for tanh) "
    "or 2 / fan_in (He, for relu).",
    params=[
        Param("depth", "int", 20, "layers of the forward stacks", min=2, max=30),
        Param("width", "int", 64, "units per layer (fan_in = fan_out = width)", min=16, max=128),
    ],
)
def run(r: Report, *, depth: int, width: int) -> None:
    formulas(r, width)
    through_depth(r, depth, width)
    training(r)
    exercises(r)


def formulas(r: Report, width: int) -> None:
    import torch
    from torch import nn

    s = r.section(f"the formulas against nn.init, a ({SAMPLE_ROWS}, {width}) weight: fan_in {width}")
    fan_in, fan_out = width, SAMPLE_ROWS
    n = SAMPLE_ROWS * width
    rows = []
    cases = [
        ("xavier_normal_", "2 / (fan_in + fan_out)", init_std(fan_in, fan_out, "xavier") ** 2, nn.init.xavier_normal_),
        ("kaiming_normal_ (relu, fan_in)", "2 / fan_in", init_std(fan_in, fan_out, "he") ** 2,
         lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
        ("xavier_uniform_", "a^2 / 3, a = sqrt(6 / (fan_in + fan_out))", 2 / (fan_in + fan_out), nn.init.xavier_uniform_),
    ]  # fmt: skip
    for name, formula, var, init in cases:
        w = init(torch.empty(fan_out, fan_in, dtype=torch.float64))  # (out, in), as nn.Linear
        got = float(w.var())
        se = var * math.sqrt(2 / n)  # the standard error of a sample variance (normal: exact; uniform: below)
        rows.append([name, formula, var, got, (got - var) / se])
        r.check(f"nn.init.{name}: sample variance == {formula}", abs(got - var) < 5 * se,
                f"{got:.4g} vs {var:.4g}, {(got - var) / se:+.1f} standard errors", kind="reference")  # fmt: skip
    bound = math.sqrt(6 / (fan_in + fan_out))
    w = nn.init.xavier_uniform_(torch.empty(fan_out, fan_in, dtype=torch.float64))
    r.check("xavier_uniform_ stays inside [-a, a]", float(w.abs().max()) <= bound,
            f"max|w| {float(w.abs().max()):.4f} <= a = {bound:.4f}", kind="property")  # fmt: skip
    s.table(["nn.init", "Var[w] by formula", "formula", "sample variance", "z score"], [
        [row[0], row[2], row[1], row[3], row[4]] for row in rows])  # fmt: skip
    x = torch.randn(64, fan_in, dtype=torch.float64) * 1.5  # (B, in)
    w = torch.randn(fan_out, fan_in, dtype=torch.float64) * init_std(fan_in, fan_out, "he")
    z = x @ w.T  # (B, out)
    want = init_std(fan_in, fan_out, "he") ** 2 * float((x**2).sum(dim=1).mean())
    r.check("Var[z] = fan_in Var[w] E[x^2] (one layer, z = W x) == measured mean of z^2",
            abs(float((z**2).mean()) / want - 1) < 0.15,
            f"{float((z**2).mean()):.4g} vs {want:.4g}", kind="reference")  # fmt: skip
    s.note(
        "z_j = sum_i w_ji x_i adds fan_in independent terms, so Var[z] = fan_in Var[w] E[x^2]. Var[w] = 1 / fan_in "
        "keeps the size going forward, 1 / fan_out going backward; Xavier takes the compromise 2 / (fan_in + "
        "fan_out). Relu zeroes half its inputs, halving E[h^2], which He's factor 2 pays back."
    )


def through_depth(r: Report, depth: int, width: int) -> None:
    import torch

    s = r.section(f"the std of the activations through {depth} layers of width {width}")
    x = torch.randn(BATCH, width, dtype=torch.float64)  # (B, H)
    base = [torch.randn(width, width, dtype=torch.float64) for _ in range(depth)]  # N(0, 1) weights
    rows, curves, last = [], {}, {}
    for act, good in (("tanh", "xavier"), ("relu", "he")):
        for label, std in (("std 0.01", 0.01), (good, init_std(width, width, good)), ("std 1", 1.0)):
            hs, _ = forward(x, [std * w for w in base], act)
            stds = [float(h.std()) for h in hs]
            last[(act, label)] = stds[-1]
            saturated = float((hs[-1].abs() > 0.99).double().mean()) if act == "tanh" else "-"
            rows.append([act, label, std, stds[1], stds[-1], saturated])
            if act == "relu":
                curves[label] = [math.log10(max(v, 1e-300)) for v in stds]
    s.table(["activation", "init", "std of W", "std of h_1", f"std of h_{depth}", "|h| > 0.99 (tanh)"], rows)
    s.plot("relu stack: log10 std of h_l by layer l", list(range(depth + 1)), **curves)
    s.note(
        "Too small and the signal dies a factor at a time (the gradient too: vanishing gradient); too large and "
        "relu's activations grow without bound while tanh's saturate at +-1, where tanh' is near 0. Xavier "
        "keeps tanh near its linear middle (shrinking slowly: tanh' < 1 away from 0); He keeps relu's scale. A tanh "
        "signal below about 1e-16 rounds to exactly 0 in the formula (e^z - e^-z) / (e^z + e^-z)."
    )
    he, tiny, big = last[("relu", "he")], last[("relu", "std 0.01")], last[("relu", "std 1")]
    r.effect(f"He keeps relu's std within 10x of the input's after {depth} layers", 0.1 < he < 10,
             f"std {he:.3g}")  # fmt: skip
    r.effect("std 0.01 shrinks it and std 1 grows it, below and above He's", tiny < he < big,
             f"{tiny:.2g} < {he:.3g} < {big:.3g}")  # fmt: skip


def training(r: Report) -> None:
    import torch

    c = TRAIN
    s = r.section(
        f"training a {c['depth']}-layer relu net, {c['steps']} steps of gradient descent, lr {TRAIN_LR}"
    )
    u = torch.randn(c["inputs"], dtype=torch.float64)
    X = torch.randn(c["n_train"] + c["n_test"], c["inputs"], dtype=torch.float64)  # (N, D)
    y = X @ u / 2  # a linear target the net can fit
    (xtr, xte), (ytr, yte) = X.split([c["n_train"], c["n_test"]]), y.split([c["n_train"], c["n_test"]])
    shapes = [(c["width"], c["inputs"])] + [(c["width"], c["width"])] * (c["depth"] - 2) + [(1, c["width"])]
    base = [torch.randn(*shape, dtype=torch.float64) for shape in shapes]  # the same draw for every init
    rows, held = [], {}
    for label, std_of in (("std 0.01", lambda fan: 0.01), ("he", lambda fan: math.sqrt(2 / fan)),
                          ("std 1", lambda fan: 1.0)):  # fmt: skip
        ws = [(w * std_of(w.shape[1])).requires_grad_() for w in base]
        losses = descend(ws, xtr, ytr, c["steps"], TRAIN_LR)
        with torch.no_grad():
            held[label] = float(((net(ws, xte) - yte) ** 2).mean() / yte.var())
        rows.append([label, losses[0], losses[-1], held[label]])
    s.table(["init", "train MSE at step 0", "train MSE at the end", "held-out MSE / Var[y]"], rows)
    s.note(
        "A run that overflows stops early. Held-out MSE / Var[y] = 1 is what predicting the mean would score."
    )
    r.effect("from He init the held-out error falls below half of the std-0.01 run's", held["he"] < 0.5 * held["std 0.01"],
             f"{held['he']:.3f} < 0.5 x {held['std 0.01']:.3f}")  # fmt: skip
    r.effect("from He init the held-out error is below the std-1 run's", held["he"] < held["std 1"],
             f"{held['he']:.3f} < {held['std 1']:.3g}")  # fmt: skip


def net(ws, x):
    """A bias-free relu MLP: relu layers, then a linear output, (N, D) -> (N,)."""
    h = x
    for w in ws[:-1]:
        h = (h @ w.T).clamp(min=0)
    return (h @ ws[-1].T).squeeze(-1)


def descend(ws, x, y, steps: int, lr: float) -> list[float]:
    """Full-batch gradient descent on the MSE, by hand; the loss before each step (stops on overflow)."""
    import torch

    losses = []
    for _ in range(steps):
        loss = ((net(ws, x) - y) ** 2).mean()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]) or losses[-1] > 1e6:
            break
        grads = torch.autograd.grad(loss, ws)
        with torch.no_grad():
            for w, g in zip(ws, grads, strict=True):
                w -= lr * g
    return losses


def exercises(r: Report) -> None:
    import torch

    fan_in, fan_out = (int(v) for v in torch.randint(16, 1025, (2,)))
    r.exercise("he-std", "He (kaiming_normal_, relu): the std of a weight with this fan_in?",
               math.sqrt(2 / fan_in), given={"fan_in": fan_in}, tolerance=1e-3)  # fmt: skip
    r.exercise("xavier-uniform-bound", "xavier_uniform_ draws from U(-a, a): what is a?",
               math.sqrt(6 / (fan_in + fan_out)), given={"fan_in": fan_in, "fan_out": fan_out}, tolerance=1e-3)  # fmt: skip
