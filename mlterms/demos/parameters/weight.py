"""Weight: W in y = x W^T + b, each row a template the input is matched against, and its scale at init."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def _linear(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    x = torch.randn(2, 4, dtype=torch.float64)  # (N, in)
    W = torch.randn(3, 4, dtype=torch.float64)  # (out, in): one row per output unit
    b = torch.randn(3, dtype=torch.float64)  # (out,)
    y = (x[:, None, :] * W[None, :, :]).sum(-1) + b  # (N, out): y[n, j] = sum_i x[n, i] W[j, i] + b[j]
    s = r.section("y = x W^T + b, with W: (out, in)")
    s.note(
        "A weight is a learned number that scales an input's contribution: y = w·x + b. A dense layer keeps "
        "them in W of shape (out, in), as nn.Linear stores it: output j weighs input i by W[j, i]."
    )
    s.tensor("x (N, in)", x).tensor("W (out, in)", W).tensor("b (out,)", b).tensor("y (N, out)", y)
    r.check_close("by hand sum_i x[n, i] W[j, i] + b[j] == F.linear", y, F.linear(x, W, b), atol=1e-12)
    r.exercise(
        "one-output",
        "What is y[0] = w·x + b for this weight row, input and bias?",
        y[0, 0],
        given={"w (W[0])": W[0], "x": x[0], "b": b[0]},
        tolerance=1e-3,
    )


def _templates(r: Report) -> None:
    import torch

    W = torch.randn(4, 6, dtype=torch.float64)
    W = W / W.norm(dim=1, keepdim=True)  # (out, in), unit-norm rows: four templates
    scores = W @ W.T  # (out, out): row k of the output = the response to input x = W[k]
    s = r.section("a weight row is a template: the output is a dot product with it")
    s.note(
        "y_j = W[j]·x + b_j is large when x points the way row W[j] points. With unit-norm rows, "
        "W[j]·x <= |x| (Cauchy-Schwarz), so an input equal to a row lights up that row's unit the most."
    )
    s.heatmap(
        "response W[j]·x to the input x = W[k]",
        scores,
        rows=[f"x = W[{k}]" for k in range(4)],
        cols=[f"unit {j}" for j in range(4)],
    )
    best = scores.argmax(dim=1)
    r.check_equal(
        "each template input lights up its own unit most", best.tolist(), list(range(4)), kind="property"
    )


def _init(r: Report, fan_in: int) -> None:
    import torch
    from torch import nn

    m = max(4096, 2**20 // fan_in)  # independent (x, w) samples: a standard error of 2% or less
    x = torch.randn(m, fan_in)  # (M, fan_in), Var[x] = 1
    rows = []
    for label, std in [("N(0, 1)", 1.0), ("N(0, 1/fan_in)", fan_in**-0.5)]:
        w = torch.randn(m, fan_in) * std  # a fresh weight row for every sample
        y = (x * w).sum(dim=1)  # (M,): y = w·x
        rows.append([label, std**2, fan_in * std**2, float(y.var())])
        r.check_close(
            f"w ~ {label}: Var[y] over {m} samples / (fan_in * Var[w] * Var[x]) == 1 (within 15%)",
            float(y.var()) / (fan_in * std**2),
            1.0,
            atol=0.15,
        )
    layer = nn.Linear(fan_in, max(64, 4096 // fan_in))  # default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w_var = float(layer.weight.detach().var())
    y = x[:256] @ layer.weight.detach().T  # (256, out)
    rows.append(["nn.Linear default", 1 / (3 * fan_in), 1 / 3, float(y.var())])
    s = r.section(f"the scale at initialisation: Var[y] = fan_in * Var[w] * Var[x] (fan_in = {fan_in})")
    s.note(
        "Each output sums fan_in products w_i x_i; with independent zero-mean terms the variances add: "
        "Var[y] = fan_in Var[w] Var[x]. Weights of variance 1 grow the output with fan_in; variance 1/fan_in "
        "(LeCun/Kaiming-style scaling) keeps it at Var[x]. nn.Linear draws U(-1/sqrt(fan_in), 1/sqrt(fan_in)), "
        "variance 1/(3 fan_in)."
    )
    s.table(["weights", "Var[w]", "fan_in * Var[w] * Var[x]", "Var[y] measured"], rows)
    r.check_close(
        "nn.Linear weight variance == 1 / (3 fan_in) (within 15%)", w_var * 3 * fan_in, 1.0, atol=0.15
    )
    r.exercise(
        "output-variance",
        "Inputs of variance var_x meet weights of variance var_w: what is the variance of one output?",
        fan_in * 0.5 * 2.0,
        given={"fan_in": fan_in, "var_w": 0.5, "var_x": 2.0},
        tolerance=1e-6,
    )


@demo(
    summary="A weight is a learned number that scales an input's contribution (y = w·x + b); a dense "
    "layer's W: (out, in) holds most of its parameters, and its scale at init sets the output's variance.",
    params=[Param("fan_in", "int", 64, "inputs per output unit", min=1, max=512)],
)
def run(r: Report, *, fan_in: int) -> None:
    _linear(r)
    _templates(r)
    _init(r, fan_in)
    r.section("see also").note(
        "The bias demo looks at b; the parameter demo counts weights and biases together; the dense layer "
        "demo differentiates y = x W^T + b (dW = g^T x); a conv layer's weights are its kernels."
    )
