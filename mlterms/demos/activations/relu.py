"""Relu: max(0, x) and its 0/1 derivative, units that die, and the weights scaling the gradient."""

from __future__ import annotations

from mlterms.demos.hand.activations import act, act_grad
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HIDDEN = 32


@demo(
    summary="relu(x) = max(0, x): it doesn't saturate (its gradient is 1 for x > 0), but the weights "
    "still scale the gradient at every layer, and a unit whose input is always negative stops learning.",
    params=[
        Param(
            "bias",
            "float",
            -0.5,
            "the hidden units' initial bias (more negative: more dead units)",
            min=-2,
            max=1,
        ),
        Param("depth", "int", 20, "layers of the deep bias-free relu stack", min=1, max=30),
        Param(
            "scale",
            "float",
            1.0,
            "the stack's weights, as a multiple of He init's sqrt(2 / fan_in)",
            min=0.25,
            max=2,
        ),
    ],
)
def run(r: Report, *, bias: float, depth: int, scale: float) -> None:
    by_hand(r)
    dying(r, bias)
    deep_stack(r, depth, scale)


def by_hand(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("max(0, x) and its derivative")
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=torch.float64)
    xl = x.clone().requires_grad_()
    F.relu(xl).sum().backward()
    assert xl.grad is not None
    s.table(
        ["x", "relu(x) by hand", "F.relu(x)", "relu'(x) by hand", "autograd"],
        [[x[i], act(x, "relu")[i], F.relu(x)[i], act_grad(x, "relu")[i], xl.grad[i]] for i in range(len(x))],
    )
    s.note(
        "relu(x) = max(0, x) = x * [x > 0] = (x + |x|) / 2. Its derivative is 1 for x > 0 and 0 for "
        "x < 0; at x = 0 it has none, and PyTorch uses 0 there. No exp, no division: cheap."
    )
    r.check_close("max(0, x) by hand == F.relu", act(x, "relu"), F.relu(x), atol=0)
    r.check_close("relu'(x) = [x > 0] == autograd (0 at x = 0)", act_grad(x, "relu"), xl.grad, atol=0)
    r.check_close("max(0, x) == (x + |x|) / 2", act(x, "relu"), (x + x.abs()) / 2, atol=0, kind="property")


def dying(r: Report, bias: float) -> None:
    import torch

    s = r.section(f"dying relu: {HIDDEN} hidden units, initial bias {bias:g}")
    X = torch.rand(128, 2, dtype=torch.float64) * 2 - 1  # (N, 2) in the square [-1, 1]^2
    y = (3 * X[:, :1]).sin() * X[:, 1:]  # (N, 1)
    W1 = (torch.rand(HIDDEN, 2, dtype=torch.float64) * 2 - 1) / 2**0.5  # nn.Linear's default range
    b1 = torch.full((HIDDEN,), bias, dtype=torch.float64)
    W2 = torch.randn(1, HIDDEN, dtype=torch.float64) / HIDDEN**0.5
    start = {"relu": 0.0, "leaky relu": 0.01}  # the slope for z < 0
    dead0 = ((X @ W1.T + b1) <= 0).all(dim=0)  # (H,) dead on the training set at the start
    check_gradients(r, X, y, W1, b1, W2)
    final = {name: train(X, y, [W1, b1, W2], slope) for name, slope in start.items()}
    rows, moved = [], {}
    for name, (ps, losses) in final.items():
        dead = ((X @ ps[0].T + ps[1]) <= 0).all(dim=0)
        moved[name] = (ps[0] - W1).abs().amax(dim=1)[dead0]  # (dead0,) how far the dead units moved
        top = float(moved[name].max()) if len(moved[name]) else 0.0
        rows.append([name, int(dead0.sum()), int(dead.sum()), top, losses[-1]])
    s.table(
        [
            "activation",
            "dead at start",
            "z <= 0 after 100 steps",
            "max|dW| of those",
            "final loss",
        ],
        rows,
        title="dead: pre-activation <= 0 on every training point",
    )
    s.note(
        "A unit with w·x + b <= 0 on every input outputs 0 and has relu' = 0 on all of them: its "
        "weights and bias get exactly zero gradient, so they never change and the unit stays dead "
        "(here a first-layer unit, whose inputs never change either). Leaky relu, max(0.01 x, x), "
        "passes a slope of 0.01 instead of 0, so the same units keep learning, slowly."
    )
    r.check(
        "relu: the units dead at the start never change",
        rows[0][3] == 0 and rows[0][2] >= rows[0][1],
        f"{rows[0][1]} dead, max|dW| {rows[0][3]:.1e}",
        kind="property",
    )
    r.check(
        "leaky relu: the same units get a gradient and move",
        bool((moved["leaky relu"] > 0).all()),
        f"min|dW| {float(moved['leaky relu'].min()) if int(dead0.sum()) else 0:.1e}",
        kind="property",
    )
    units = torch.cat([W1[:5], b1[:5, None]], dim=1)  # (5, 3) rows (w1, w2, b)
    r.exercise(
        "dead-on-square",
        "Relu units with weights (w1, w2) and bias b (one row each) see every input in the square "
        "[-1, 1]^2: how many of these 5 units are zero on the whole square?",
        int((units[:, 0].abs() + units[:, 1].abs() + units[:, 2] <= 0).sum()),
        given={"units (w1, w2, b)": units},
    )


def train(X, y, params: list, slope: float, steps: int = 100) -> tuple:
    """Full-batch gradient descent (lr 0.5) on the mean squared error of X -> leaky relu -> linear,
    gradients by hand; slope 0 is relu. Returns the final (W1, b1, W2) and the loss curve."""
    W1, b1, W2 = params
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(X, y, W1, b1, W2, slope)
        losses.append(float(loss))
        W1, b1, W2 = (p - 0.5 * g for p, g in zip((W1, b1, W2), grads, strict=True))
    return [W1, b1, W2], losses


def loss_and_grads(X, y, W1, b1, W2, slope: float) -> tuple:
    """The MSE and its gradients by the chain rule; f(z) = max(z, slope z), f'(z) = 1 or slope."""
    pre = X @ W1.T + b1  # (N, H)
    h = pre.where(pre > 0, slope * pre)  # (N, H)
    err = h @ W2.T - y  # (N, 1)
    d_out = 2 * err / len(X)  # (N, 1)
    d_pre = (d_out @ W2) * (pre > 0).to(pre.dtype).clamp(min=slope)  # (N, H)
    return (err**2).mean(), [d_pre.T @ X, d_pre.sum(0), d_out.T @ h]


def check_gradients(r: Report, X, y, W1, b1, W2) -> None:
    """The hand loss and gradients at the start == F.mse_loss and autograd, relu and leaky relu."""
    import torch
    import torch.nn.functional as F

    for slope in (0.0, 0.01):
        leaves = [p.clone().requires_grad_() for p in (W1, b1, W2)]
        ref = F.mse_loss(F.leaky_relu(X @ leaves[0].T + leaves[1], slope) @ leaves[2].T, y)
        ref.backward()
        loss, grads = loss_and_grads(X, y, W1, b1, W2, slope)
        name = "relu" if slope == 0 else "leaky relu"
        r.check_close(f"{name}: loss by hand == F.mse_loss", loss, ref.detach(), atol=1e-12)
        r.check_close(
            f"{name}: gradients by hand == autograd",
            torch.cat([g.flatten() for g in grads]),
            torch.cat([p.grad.flatten() for p in leaves]),
            atol=1e-12,
        )


def deep_stack(r: Report, depth: int, scale: float) -> None:
    import math

    import torch

    s = r.section(f"the gradient through {depth} relu layers scales with the weights")
    Ws = [torch.randn(HIDDEN, HIDDEN, dtype=torch.float64) * (2 / HIDDEN) ** 0.5 for _ in range(depth)]
    v = torch.randn(HIDDEN, dtype=torch.float64) / HIDDEN**0.5  # (H,) the output y = v · h_L
    x = torch.randn(HIDDEN, dtype=torch.float64)  # (H,) one input
    rows, curves = [], {}
    for c in sorted({0.5, 1.0, 2.0, scale}):
        norms = backward_norms([c * W for W in Ws], v, x)  # ||dy/dh_l||, l = depth .. 0
        curves[f"x{c:g}"] = [math.log10(max(n, 1e-300)) for n in norms]
        rows.append([c, math.log10(max(norms[-1], 1e-300)), depth * math.log10(c), norms[-1] / c**depth])
    s.table(
        ["weights x c", "log10 ||dy/dx||", "depth log10 c", "||dy/dx|| / c^depth"],
        rows,
        title=f"bias-free: h_l = relu(c W_l h_l-1), W_l ~ N(0, 2 / {HIDDEN}), depth {depth}",
    )
    s.plot("log10 ||dy/dh_l|| from the output (0) back to the input", list(range(depth + 1)), **curves)
    s.note(
        "Relu never squashes an active unit's gradient: relu' is 1 there. But the backward step "
        "through a layer is g -> W^T (relu'(z) * g), so the weights multiply the gradient at every "
        "layer. Relu is positively homogeneous, relu(c z) = c relu(z) for c > 0, so multiplying every "
        "W by c multiplies dy/dx by exactly c^depth: below He init's scale it vanishes, above it "
        "explodes. That is why initialization still matters with relu, and why the bound "
        "||dy/dx|| <= ||v|| prod ||W_l||_2 (spectral norms) holds, loosely: relu' is at most 1."
    )
    Wc = [scale * W for W in Ws]
    xl = x.clone().requires_grad_()
    h = xl
    for W in Wc:
        h = torch.relu(W @ h)
    (v @ h).backward()
    by_hand = backward_by_hand(Wc, v, x)
    r.check_close(
        "dy/dx: W^T (relu' * g) layer by layer == autograd",
        by_hand,
        xl.grad,
        atol=1e-9 * (1 + float(by_hand.abs().max())),
    )
    base, doubled = backward_by_hand(Ws, v, x).norm(), backward_by_hand([2 * W for W in Ws], v, x).norm()
    ratio = float(doubled / base) / 2**depth if base > 0 else 1.0
    r.check_close(
        "weights x2 -> dy/dx x 2^depth (relu(cz) = c relu(z))", ratio, 1.0, atol=1e-9, kind="property"
    )
    bound = float(v.norm()) * math.prod(float(torch.linalg.matrix_norm(W, 2)) for W in Wc)
    r.check(
        "||dy/dx|| <= ||v|| prod ||W_l||_2",
        float(by_hand.norm()) <= bound * (1 + 1e-9),
        f"{float(by_hand.norm()):.3g} <= {bound:.3g}",
        kind="property",
    )
    r.exercise(
        "weight-scale",
        "A bias-free relu net y = v · relu(W_L ... relu(W_1 x)): every W_l is multiplied by c. By what "
        "factor does the gradient dy/dx change?",
        1.5**depth,
        given={"c": 1.5, "depth": depth},
        tolerance=1e-3 * 1.5**depth,
    )


def backward_by_hand(Ws: list, v, x):
    """dy/dx for y = v · relu(W_L ... relu(W_1 x)): forward, then g <- W^T (relu'(z) * g) backward."""
    return backward_grads(Ws, v, x)[-1]


def backward_norms(Ws: list, v, x) -> list[float]:
    """||dy/dh_l|| from the last hidden layer (l = depth) back to the input (l = 0)."""
    return [float(g.norm()) for g in backward_grads(Ws, v, x)]


def backward_grads(Ws: list, v, x) -> list:
    zs, h = [], x
    for W in Ws:
        zs.append(W @ h)  # (H,)
        h = act(zs[-1], "relu")
    grads, g = [v], v  # dy/dh_L = v
    for W, z in zip(reversed(Ws), reversed(zs), strict=True):
        g = W.T @ (act_grad(z, "relu") * g)  # (H,)
        grads.append(g)
    return grads
