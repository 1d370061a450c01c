"""Hidden layer: on noisy XOR, no hidden layer is at chance and one hidden layer solves it; the hidden
representation, by hand and from the network, is where the classes become linearly separable."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

STEPS = 150
CORNERS = [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]


@demo(
    summary="A hidden layer is any layer between the input and the output layer: its outputs are internal, "
    "not the prediction. One hidden layer of nonlinear units re-represents XOR so that the output "
    "layer, a linear classifier, can separate it; without one, a linear model gets at most 3 of the 4 corners.",
    params=[
        Param("width", "int", 8, "units in the hidden layer", min=2, max=32),
        Param("activation", "choice", "tanh", "the hidden units' nonlinearity", choices=("tanh", "relu")),
    ],
)
def run(r: Report, *, width: int, activation: str) -> None:
    x_train, y_train = noisy_xor(40)
    x_test, y_test = noisy_xor(400)
    net = train(r, width, activation, x_train, y_train, x_test, y_test)
    representation(r, net, activation)
    by_hand(r)


def noisy_xor(n: int):
    """n points near the corners (+-1, +-1), label 1 where the signs differ (XOR of the signs)."""
    import torch

    corner = torch.randint(0, 4, (n,))
    x = torch.tensor(CORNERS)[corner] + 0.3 * torch.randn(n, 2)  # (n, 2)
    return x, (x[:, 0] * x[:, 1] < 0).float()  # labels from the point itself, so noise never lies


def train(r: Report, width: int, activation: str, x_train, y_train, x_test, y_test):
    import torch
    import torch.nn.functional as F
    from torch import nn

    s = r.section("noisy XOR: no hidden layer vs one hidden layer")
    act = nn.Tanh() if activation == "tanh" else nn.ReLU()
    models = {"no hidden layer (2 -> 1)": nn.Sequential(nn.Linear(2, 1))}
    models[f"hidden layer (2 -> {width} {activation} -> 1)"] = nn.Sequential(
        nn.Linear(2, width), act, nn.Linear(width, 1)
    )
    rows, acc = [], {}
    for name, net in models.items():
        params = list(net.parameters())

        def objective(n: torch.nn.Module = net) -> torch.Tensor:
            return F.binary_cross_entropy_with_logits(n(x_train)[:, 0], y_train)

        fit_adam(params, objective, STEPS, 0.05)
        with torch.no_grad():
            z = net(x_train)[:, 0]
            loss = (z.clamp(min=0) - z * y_train + (-z.abs()).exp().log1p()).mean()  # stable BCE by hand
            r.check_close(f"{name}: loss by hand == F.binary_cross_entropy_with_logits",
                          loss, F.binary_cross_entropy_with_logits(z, y_train), atol=1e-6)  # fmt: skip
            acc[name] = [float(((net(x)[:, 0] > 0).float() == y).float().mean()) for x, y in
                         ((x_train, y_train), (x_test, y_test))]  # fmt: skip
        rows.append([name, sum(p.numel() for p in params), float(loss), *acc[name]])
    s.table(
        ["model", "params", "train loss", "train acc", "held-out acc"], rows, title="40 train, 400 held out"
    )
    linear, hidden = (acc[name][1] for name in models)
    s.note(
        "No line separates the points whose signs differ from those whose signs agree: the best a model "
        "with no hidden layer can do is cut off one corner, 3 of 4 clusters right (75%); usually it "
        "lands nearer chance (50%). See also "
        "`demo activation function`: without the nonlinearity, the hidden layer would collapse into the "
        "output layer."
    )
    r.effect(
        "no hidden layer: at best 3 of 4 corners (<= 75%, + noise) held out",
        linear <= 0.8,
        f"held-out accuracy {linear:.0%} (chance 50%)",
    )
    r.effect(
        "one hidden layer solves XOR on held-out points", hidden >= 0.9, f"held-out accuracy {hidden:.0%}"
    )
    return models[list(models)[1]]


def representation(r: Report, net, activation: str) -> None:
    import torch

    s = r.section("the hidden representation: what the output layer sees")
    x = torch.tensor(CORNERS)  # (4, 2): the four clean corners
    seen: dict[str, torch.Tensor] = {}
    hook = net[1].register_forward_hook(lambda m, i, out: seen.update(h=out.detach()))
    with torch.no_grad():
        logits = net(x)[:, 0]  # (4,)
    hook.remove()
    W1, b1 = net[0].weight.detach(), net[0].bias.detach()  # (width, 2), (width,)
    pre = x @ W1.T + b1  # (4, width)
    h = pre.tanh() if activation == "tanh" else pre.clamp(min=0)  # (4, width)
    shown = min(4, h.shape[1])
    rows = [[*x[i].tolist(), int(x[i, 0] * x[i, 1] < 0), *h[i, :shown].tolist(), logits[i]] for i in range(4)]
    s.table(["x1", "x2", "XOR", *[f"h{j + 1}" for j in range(shown)], "output logit"], rows,
            title=f"the trained hidden layer at the corners (first {shown} of {h.shape[1]} units)")  # fmt: skip
    r.check_close(
        f"h = {activation}(x W1^T + b1) by hand == the hidden layer's output (forward hook)", h, seen["h"]
    )
    r.check_close("output logit = h W2^T + b2 == the network", h @ net[2].weight.detach()[0] + net[2].bias.detach(),
                  logits, atol=1e-5)  # fmt: skip
    s.note(
        "The hidden values are internal: the model's prediction is only the output logit. The output "
        "layer is linear in h, so a hidden layer that solves XOR has made the classes linearly "
        "separable in h-space. The hidden layers plus the output layer give the depth (`demo depth`)."
    )


def by_hand(r: Report) -> None:
    import torch

    s = r.section("a hidden layer that solves XOR, set by hand")
    W1 = torch.tensor([[1.0, 1.0], [-1.0, -1.0]])  # (2, 2): h1 fires on (1, 1), h2 on (-1, -1)
    b1 = torch.tensor([-1.0, -1.0])
    x = torch.tensor(CORNERS)
    h = (x @ W1.T + b1).clamp(min=0)  # (4, 2)
    out = 0.5 - (h[:, 0] + h[:, 1])  # > 0 exactly when the signs differ
    s.table(["x1", "x2", "h1 = relu(x1 + x2 - 1)", "h2 = relu(-x1 - x2 - 1)", "0.5 - h1 - h2"],
            [[*x[i].tolist(), *h[i].tolist(), out[i]] for i in range(4)])  # fmt: skip
    s.note(
        "The two 'same sign' corners map to (1, 0) and (0, 1), the two 'different sign' corners both to "
        "(0, 0): in h-space the line h1 + h2 = 0.5 separates them."
    )
    r.check_equal("the hand-set network classifies the 4 corners as XOR", (out > 0).int().tolist(),
                  (x[:, 0] * x[:, 1] < 0).int().tolist(), kind="property")  # fmt: skip
    point = torch.randn(2) + torch.tensor(CORNERS)[torch.randint(0, 4, ())]
    r.exercise(
        "hidden-values",
        "With h = relu(x W1^T + b1), what are the two hidden values (h1, h2) of this point?",
        (point @ W1.T + b1).clamp(min=0),
        given={"x": point, "W1": W1, "b1": b1},
        tolerance=1e-3,
    )
