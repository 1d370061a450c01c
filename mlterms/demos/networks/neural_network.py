"""Neural network: the forward pass unit by unit against nn.Sequential, counting parameters, and a
wider hidden layer fitting a curve better on held-out x."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

STEPS = 200


@demo(
    summary="A neural network is made of layers of simple units: each takes a weighted sum of its inputs "
    "plus a bias, then applies an activation function. Stacked with nonlinear activations and trained by "
    "backpropagation + gradient descent, a wide enough one approximates a curve closely.",
    params=[
        Param("width", "int", 32, "hidden units of the wide net in the curve fit", min=1, max=64),
        Param("points", "int", 40, "training points for the curve fit", min=10, max=200),
    ],
)
def run(r: Report, *, width: int, points: int) -> None:
    forward(r)
    counting(r)
    curve(r, width, points)


def forward(r: Report) -> None:
    import math

    import torch
    from torch import nn

    s = r.section("a 2-layer net 3 -> 4 tanh -> 2, unit by unit")
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    W1, b1, W2, b2 = (p.detach() for p in net.parameters())  # (4, 3), (4,), (2, 4), (2,)
    x = torch.randn(2, 3, dtype=torch.float64)  # (N, in)
    out = []
    for n in range(len(x)):
        h = [math.tanh(sum(W1[j, i] * x[n, i] for i in range(3)) + b1[j]) for j in range(4)]  # hidden units
        out.append([sum(W2[k, j] * h[j] for j in range(4)) + b2[k] for k in range(2)])  # output units
    by_units = torch.tensor(out, dtype=torch.float64)  # (N, 2)
    by_matrices = torch.tanh(x @ W1.T + b1) @ W2.T + b2  # (N, 2)
    with torch.no_grad():
        ref = net(x)
    s.tensor("x (N, in)", x)
    s.tensor("output (N, out)", ref)
    s.note(
        "Unit j of the hidden layer: h_j = tanh(sum_i W1[j, i] x_i + b1[j]); output unit k: "
        "y_k = sum_j W2[k, j] h_j + b2[k] (no activation on the output here). As matrices: "
        "y = tanh(x W1^T + b1) W2^T + b2."
    )
    r.check_close("unit by unit (loops) == nn.Sequential", by_units, ref, atol=1e-12)
    r.check_close("tanh(x W1^T + b1) W2^T + b2 == nn.Sequential", by_matrices, ref, atol=1e-12)
    w, b, xi = W1[0], b1[0], x[0]
    r.exercise(
        "unit-output",
        "One tanh unit: what is tanh(w . x + b)?",
        math.tanh(float(w @ xi + b)),
        given={"w": w, "b": b, "x": xi},
        tolerance=1e-3,
    )


def counting(r: Report) -> None:
    from torch import nn

    s = r.section("counting parameters: in*h + h + h*out + out per hidden layer")
    rows, got, want = [], [], []
    for sizes in ((3, 4, 2), (784, 128, 10), (784, 256, 128, 10)):
        layers = [nn.Linear(a, b, device="meta") for a, b in zip(sizes, sizes[1:], strict=False)]
        numel = sum(p.numel() for layer in layers for p in layer.parameters())  # meta: no memory, no init
        formula = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
        rows.append(
            [
                " -> ".join(map(str, sizes)),
                " + ".join(f"{a}*{b} + {b}" for a, b in zip(sizes, sizes[1:], strict=False)),
                numel,
            ]
        )
        got.append(numel)
        want.append(formula)
    s.table(["layer sizes", "weights + biases", "parameters"], rows)
    s.note("Activations have no parameters; every weight matrix is (out, in), every bias (out,).")
    r.check_equal("numel of the nn.Linear layers == the formula", got, want, kind="reference")
    r.exercise(
        "param-count",
        "How many parameters has a net 784 -> 64 -> 10 (two nn.Linear layers)?",
        784 * 64 + 64 + 64 * 10 + 10,
        given={"layer sizes": [784, 64, 10]},
    )


def curve(r: Report, width: int, points: int) -> None:
    import torch
    from torch import nn

    s = r.section(f"approximating a curve: width 1 vs 3 vs {width}")

    def truth(x):
        return torch.sin(2 * x) + 0.3 * x  # (N, 1)

    x_train = torch.rand(points, 1) * 6 - 3  # (N, 1) in [-3, 3]
    y_train = truth(x_train) + 0.1 * torch.randn(points, 1)
    x_test = torch.linspace(-3, 3, 101)[:, None]  # held-out x: a grid the training points rarely hit
    widths = list(dict.fromkeys([1, 3, width]))
    nets = {h: nn.Sequential(nn.Linear(1, h), nn.Tanh(), nn.Linear(h, 1)) for h in widths}
    params = [p for net in nets.values() for p in net.parameters()]

    def total_loss():  # the nets share no parameter, so each one's gradient is its own MSE's
        return sum(((net(x_train) - y_train) ** 2).mean() for net in nets.values())

    fit_adam(params, total_loss, STEPS, lr=0.05)
    with torch.no_grad():
        err = {h: [float(((net(x) - y) ** 2).mean()) for x, y in ((x_train, y_train), (x_test, truth(x_test)))]
               for h, net in nets.items()}  # fmt: skip
        ref = torch.nn.functional.mse_loss(nets[width](x_train), y_train)
        curves = {f"width {h}": net(x_test)[:, 0] for h, net in nets.items()}
    r.check_close(f"width {width}: training MSE by hand == F.mse_loss", err[width][0], ref, atol=1e-6)
    s.table(["hidden units", "parameters", "train MSE", "held-out MSE"],
            [[h, 3 * h + 1, *err[h]] for h in widths], title=f"sin(2x) + 0.3x, {points} noisy points, {STEPS} Adam steps")  # fmt: skip
    s.plot("held-out x: the truth and each net", x_test[:, 0], truth=truth(x_test)[:, 0], **curves)
    s.note(
        "One tanh unit can make one S-shaped step; more units add more steps and bumps, and the sum "
        "follows the curve (the universal-approximation flavour: enough units approximate any "
        "continuous function on an interval; the theorem does not say how to train them)."
    )
    r.effect(
        f"width {width} fits held-out x far better than width 1",
        err[width][1] < 0.4 * err[1][1],
        f"held-out MSE {err[width][1]:.3f} < 40% of {err[1][1]:.3f}",
        asserted=width >= 8 and points >= 40,
    )
