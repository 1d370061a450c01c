"""Sigmoid: 1 / (1 + e^-x), its gradient of at most 1/4 and a deep stack, and the stable BCE on logits."""

from __future__ import annotations

from mlterms.demos.hand.activations import act, act_grad, bce
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="sigmoid(x) = 1 / (1 + e^-x) squashes any number into (0, 1), turning a logit into a "
    "probability; it saturates (its gradient is at most 0.25), so deep stacks of sigmoids train slowly.",
    params=[
        Param("depth", "int", 8, "hidden layers of the sigmoid and relu stacks", min=2, max=12),
        Param("big", "float", 120.0, "the largest |logit| in the cross-entropy table", min=20, max=1000),
        Param(
            "dtype",
            "choice",
            "float32",
            "the precision of the cross-entropy table",
            choices=("float32", "float64"),
        ),
    ],
)
def run(r: Report, *, depth: int, big: float, dtype: str) -> None:
    by_hand(r)
    saturation(r, depth)
    cross_entropy(r, big, dtype)


def by_hand(r: Report) -> None:
    import torch

    s = r.section("1 / (1 + e^-x), a logit to a probability")
    x = torch.linspace(-6, 6, 13, dtype=torch.float64)
    p = act(x, "sigmoid")
    s.table(
        ["x", "sigmoid(x) by hand", "torch.sigmoid", "1 - sigmoid(-x)"],
        [[x[i], p[i], torch.sigmoid(x)[i], 1 - act(-x, "sigmoid")[i]] for i in range(0, 13, 2)],
    )
    s.note(
        "sigmoid(0) = 1/2; sigmoid(-x) = 1 - sigmoid(x), so a logit and its negative give the two "
        "classes' probabilities. Its inverse is the logit, log(p / (1 - p)): a classifier's output "
        "layer produces logits, and sigmoid turns one into a probability."
    )
    r.check_close("1 / (1 + e^-x) by hand == torch.sigmoid", p, torch.sigmoid(x), atol=1e-15)
    r.check_close("sigmoid(-x) == 1 - sigmoid(x)", act(-x, "sigmoid"), 1 - p, atol=1e-15, kind="property")
    r.check_close(
        "log(p / (1 - p)) == x (the logit inverts it)", (p / (1 - p)).log(), x, atol=1e-12, kind="property"
    )
    r.exercise(
        "sigmoid-grad",
        "What is the derivative of sigmoid at x?",
        act_grad(torch.tensor(1.5, dtype=torch.float64), "sigmoid"),
        given={"x": 1.5},
        tolerance=1e-3,
    )


def saturation(r: Report, depth: int) -> None:
    import torch

    s = r.section(f"saturation: sigmoid' <= 1/4, and what is left after {depth} layers")
    x = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    xl = x.clone().requires_grad_()
    torch.sigmoid(xl).sum().backward()
    g = act_grad(x, "sigmoid")  # (2001,) s (1 - s)
    at = [0.0, 1.0, 2.0, 5.0, 10.0]
    idx = [int((x - a).abs().argmin()) for a in at]
    s.table(
        ["x", "sigmoid'(x)", "relu'(x)"],
        [[at[k], g[i], act_grad(x[i : i + 1], "relu")[0]] for k, i in enumerate(idx)],
    )
    r.check_close("s (1 - s) == autograd of torch.sigmoid, x in [-10, 10]", g, xl.grad, atol=1e-15)
    peak = int(g.argmax())
    r.check(
        "sigmoid' is at most 1/4, at x = 0",
        float(g.max()) <= 0.25 + 1e-15 and abs(float(x[peak])) < 1e-9,
        f"max {float(g.max()):.6f} at x = {float(x[peak]):g}",
        kind="property",
    )
    ratios = {name: layer_gradients(name, depth) for name in ("sigmoid", "relu")}
    s.table(
        ["stack", "||dL/dW_1||", f"||dL/dW_{depth}||", "first / last"],
        [
            [name, f"{first:.3g}", f"{last:.3g}", f"{first / last:.3g}"]
            for name, (first, last) in ratios.items()
        ],
        title=f"{depth} layers of 64, a batch of 64; W ~ N(0, 1 / fan_in) for sigmoid, N(0, 2 / fan_in) for relu",
    )
    s.note(
        "Each layer the gradient flows back through multiplies it by W^T and by sigmoid'(z) <= 1/4, "
        "so with weights of the usual scale it shrinks by about 4x per layer and the first layers "
        "barely learn: deep stacks of sigmoids train slowly. Relu passes 1 wherever a unit is active. "
        "(The demo 'relu' shows that the weights still scale its gradient.)"
    )
    sig, rel = (first / last for first, last in ratios.values())
    r.effect(
        "the first layer's gradient, relative to the last's: sigmoid's is 10x smaller than relu's",
        sig < rel / 10,
        f"{sig:.2e} vs {rel:.2e}",
        asserted=r.at_defaults or depth >= 4,
    )


def layer_gradients(name: str, depth: int) -> tuple[float, float]:
    """||dL/dW|| of the first and of the last hidden layer, L = mean of the outputs squared."""
    import torch

    gain = 1.0 if name == "sigmoid" else 2.0
    Ws = [
        (torch.randn(64, 64, dtype=torch.float64) * (gain / 64) ** 0.5).requires_grad_() for _ in range(depth)
    ]
    h = torch.randn(64, 64, dtype=torch.float64)  # (B, 64)
    for W in Ws:
        h = torch.sigmoid(h @ W.T) if name == "sigmoid" else torch.relu(h @ W.T)
    v = torch.randn(64, dtype=torch.float64) / 8
    ((h @ v) ** 2).mean().backward()
    return float(Ws[0].grad.norm()), float(Ws[-1].grad.norm())


def cross_entropy(r: Report, big: float, dtype: str) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section(f"binary cross-entropy on logits, stably ({dtype})")
    kind = getattr(torch, dtype)
    z = torch.tensor([-big, -20.0, 0.0, 20.0, big], dtype=kind).repeat(2)  # (10,)
    y = torch.tensor([1.0] * 5 + [0.0] * 5, dtype=kind)  # (10,)
    p = torch.sigmoid(z)
    naive = -torch.where(y > 0, p.log(), (1 - p).log())  # (10,) -log of the label's probability
    stable = bce(z, y, "none")
    library = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    clamped = F.binary_cross_entropy(p, y, reduction="none")
    s.table(
        ["z", "y", "naive -log p(y)", "stable (by hand)", "F.bce_with_logits", "F.bce(sigmoid(z))"],
        [[z[i], y[i], naive[i], stable[i], library[i], clamped[i]] for i in range(10)],
    )
    s.note(
        "The naive form takes the log of a probability that has already been rounded: 1 - sigmoid(z) "
        "is exactly 0 once z > ~17 in float32 (~37 in float64), and sigmoid(-z) underflows to 0 past "
        "~104 (float32) or ~745 (float64), so the log is -inf and the loss inf. "
        "The stable form max(z, 0) - z y + log(1 + e^-|z|) never exponentiates a positive number; "
        "that is why losses take logits (F.binary_cross_entropy_with_logits). F.binary_cross_entropy "
        "on probabilities clamps its log at -100: it caps the loss at 100 instead of failing, and where "
        "sigmoid(z) has already rounded to 1 it reports 100 for a true loss of 20."
    )
    scale = 1e-6 if dtype == "float32" else 1e-12
    r.check_close("stable by hand == F.binary_cross_entropy_with_logits", stable, library, atol=scale * big)
    # -log sigmoid(+-z). softplus returns x itself past its threshold (default 20), off by e^-x:
    # 2e-9 at 20, more than float64's tolerance here, so the threshold is raised to 50 (e^-50 ~ 2e-22).
    exact = torch.where(y > 0, F.softplus(-z.double(), threshold=50), F.softplus(z.double(), threshold=50))
    r.check_close(
        "stable by hand == softplus(-z) for y = 1, softplus(z) for y = 0 (float64)",
        stable.double(),
        exact,
        atol=scale * big,
    )
    broken = ~naive.isfinite() & stable.isfinite()
    r.effect(
        "the naive form is inf at large |z|, where the stable one is finite",
        bool(broken[-1]),
        f"{int(broken.sum())} of 10 rows inf",
        asserted=big >= 40,
    )
    r.exercise(
        "bce-big-logit",
        "Binary cross-entropy on a logit z with label y = 1: what is the loss?",
        F.softplus(torch.tensor(50.0, dtype=torch.float64)),
        given={"z": -50.0, "y": 1},
        tolerance=1e-3,
    )
