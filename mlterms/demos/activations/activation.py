"""Activation: the outputs of a layer, layer by layer, what autograd keeps of them, and dead units."""

from __future__ import annotations

from mlterms.demos.hand.activations import act
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 16  # input features


@demo(
    summary="An activation is the output of a unit after its activation function, eg relu(w·x + b); "
    "a layer's activations are the next layer's inputs, and autograd keeps them for the backward pass.",
    params=[
        Param("activation", "choice", "relu", "the hidden layers' nonlinearity", choices=("relu", "tanh")),
        Param("depth", "int", 6, "hidden layers", min=1, max=10),
        Param("width", "int", 64, "units per hidden layer", min=4, max=256),
        Param("bias", "float", 0.0, "every hidden bias of the He-initialised net", min=-2.0, max=1.0),
    ],
)
def run(r: Report, *, activation: str, depth: int, width: int, bias: float) -> None:
    import torch

    x = torch.randn(256, D, dtype=torch.float64)  # (B, D)
    nets = {"He init": make_net(activation, depth, width, he=True, bias=bias), "default init": None}
    nets["default init"] = make_net(activation, depth, width, he=False, bias=0.0)
    acts = {name: forward_by_hand(r, name, net, x, activation) for name, net in nets.items()}
    layer_table(r, acts, activation, bias)
    dead_units(r, nets["He init"], acts["He init"], x)
    saved_memory(r, activation, depth, width)
    s = r.section("see also")
    s.note(
        "The demo 'activation function' shows the function itself: sigmoid, tanh and relu by formula, "
        "and XOR, which a hidden layer solves only with a nonlinearity. This one follows its outputs."
    )


def make_net(activation: str, depth: int, width: int, *, he: bool, bias: float):
    """D -> width (x depth, with `activation`) -> 1, in float64; He: W ~ N(0, 2 / fan_in), b = bias."""
    import torch
    from torch import nn

    layers: list = []
    fan_in = D
    for _ in range(depth):
        lin = nn.Linear(fan_in, width).double()
        if he:
            with torch.no_grad():
                lin.weight.normal_(0.0, (2.0 / fan_in) ** 0.5)
                lin.bias.fill_(bias)
        layers += [lin, nn.ReLU() if activation == "relu" else nn.Tanh()]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(width, 1).double())


def forward_by_hand(r: Report, name: str, net, x, activation: str) -> list:
    """Each hidden layer's activations h_l = f(h_{l-1} W_l^T + b_l) by hand, checked against the
    outputs that forward hooks catch as nn.Sequential runs."""
    import torch

    caught: list = []
    hooks = [
        m.register_forward_hook(lambda _m, _inp, out: caught.append(out.detach()))
        for m in net
        if not isinstance(m, torch.nn.Linear)
    ]
    with torch.no_grad():
        out = net(x)
    for h in hooks:
        h.remove()
    acts, h = [], x
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for lin in linears[:-1]:
        h = act(h @ lin.weight.detach().T + lin.bias.detach(), activation)  # (B, width)
        acts.append(h)
    last = linears[-1]
    r.check_close(
        f"{name}: activations by hand == forward hooks on nn.Sequential",
        torch.cat([a.flatten() for a in acts]),
        torch.cat([c.flatten() for c in caught]),
        atol=1e-10,
    )
    r.check_close(
        f"{name}: output by hand == nn.Sequential",
        h @ last.weight.detach().T + last.bias.detach(),
        out,
        atol=1e-10,
    )
    return acts


def layer_table(r: Report, acts: dict, activation: str, bias: float) -> None:
    s = r.section(f"the activations, layer by layer ({activation}, a batch of 256)")
    rows = []
    for i, (a, b) in enumerate(zip(acts["He init"], acts["default init"], strict=True)):
        rows.append([i + 1, a.mean(), a.std(), rms(a), b.mean(), b.std(), rms(b)])
    s.table(
        ["layer", "He mean", "He std", "He rms", "default mean", "default std", "default rms"],
        rows,
        title=f"input x ~ N(0, 1), {D} features, rms 1; He net's biases {bias:g}",
    )
    s.note(
        "Each row is what the next layer receives. With W ~ N(0, 2 / fan_in) (He init, made for relu) "
        "and zero biases, relu keeps the mean square about constant from layer to layer: half the "
        "units are zero, the variance 2 / fan_in doubles back what relu halves. nn.Linear's default "
        "init draws W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), a variance of 1 / (3 fan_in), so the "
        "activations shrink layer by layer until the biases are all that is left, and the gradients "
        "that flow back through those weights shrink with them. "
        "Relu activations are never negative: their mean is positive, tanh's is near 0."
    )
    he, default = rms(acts["He init"][-1]), rms(acts["default init"][-1])
    r.effect(
        "He init keeps the last layer's rms within 2x of the input's; the default init shrinks it more",
        0.5 < he < 2.0 and default < he / 2,
        f"rms {he:.3f} (He) vs {default:.4f} (default); input 1",
    )


def rms(a) -> float:
    return float(a.pow(2).mean().sqrt())


def dead_units(r: Report, net, acts: list, x) -> None:
    import torch

    s = r.section("dead units: zero for every example of the batch")
    dead = [(a == 0).all(dim=0) for a in acts]  # per layer (width,) booleans
    rows = [
        [i + 1, int(d.sum()), len(d), (a == 0).double().mean()]
        for i, (a, d) in enumerate(zip(acts, dead, strict=True))
    ]
    s.table(["layer", "dead units", "units", "zero activations (fraction)"], rows)
    net.zero_grad()
    net(x).sum().backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)][:-1]
    grads = [lin.weight.grad for lin in linears]
    assert all(g is not None for g in grads)
    stuck = torch.cat([g[d].flatten() for g, d in zip(grads, dead, strict=True) if g is not None])
    s.note(
        "A unit that is zero for every input passes no gradient back: relu'(z) = 0 wherever z < 0, so "
        "its incoming weights and bias get exactly zero gradient and stop learning on this data "
        "('dying relu'). A negative bias (the knob) kills more of them. Tanh is never exactly zero, "
        "so its units cannot die this way, though they can saturate."
    )
    r.check(
        "a dead unit's incoming weights get exactly zero gradient",
        bool((stuck == 0).all()),
        f"{int(sum(d.sum() for d in dead))} dead units, max|grad| {float(stuck.abs().max()) if len(stuck) else 0:.1e}",
        kind="property",
    )
    z = torch.randn(4, 6, dtype=torch.float64) + torch.tensor([0.0, -3.0, 1.0, -3.0, 0.0, -1.0])  # (4, 6)
    r.exercise(
        "dead-in-batch",
        "These are the pre-activations z (4 examples x 6 units) of a relu layer: how many of its units "
        "are dead on this batch (relu(z) = 0 for all 4 examples)?",
        int((z <= 0).all(dim=0).sum()),
        given={"z": z},
    )


def saved_memory(r: Report, activation: str, depth: int, width: int) -> None:
    import torch

    s = r.section("what autograd saves for the backward pass")
    net = make_net(activation, depth, width, he=True, bias=0.0).float()
    params = {p.untyped_storage().data_ptr() for p in net.parameters()}
    rows: list[list] = []
    ok = True
    for batch in (1, 16, 256, 1024):
        x = torch.randn(batch, D)  # (B, D) float32
        measured = saved_bytes(net, x, params)
        formula = batch * (D + depth * width) * x.element_size()
        ok = ok and measured == formula
        rows.append([batch, measured, formula, measured / 2**20])
    with torch.no_grad():
        rows.append(["1024, no_grad", saved_bytes(net, torch.randn(1024, D), params), 0, 0.0])
    weights = sum(p.numel() * p.element_size() for p in net.parameters())
    s.table(
        ["batch B", "saved bytes (hooks)", "B (D + depth width) 4", "MiB"],
        rows,
        title=f"float32, D = {D}, {depth} x {width} {activation}; the weights: {weights} bytes at any B",
    )
    s.note(
        "To compute the gradient, autograd keeps each layer's input (for dL/dW = g^T h) and each "
        f"{activation}'s output (its derivative is computed from it): x and one (B, width) tensor per "
        "hidden layer, each stored once and shared by the two ops that need it. That memory grows "
        "linearly with the batch size while the weights' does not, which is why large batches run out "
        "of memory in training and not at inference (no_grad saves nothing)."
    )
    r.check(
        "saved tensors (hooks) == B (D + depth width) elements, at every B",
        ok,
        "as in the table",
        kind="reference",
    )
    r.exercise(
        "saved-bytes",
        "Float32, batch B, input D, `depth` hidden layers of `width` relu (or tanh) units, then a linear "
        "output: "
        "how many bytes of activations does autograd save for the backward pass?",
        2048 * (D + depth * width) * 4,
        given={"B": 2048, "D": D, "depth": depth, "width": width},
    )


def saved_bytes(net, x, params: set) -> int:
    """Bytes of the non-parameter tensors autograd saves in net(x).sum(), each storage counted once."""
    import torch

    seen: dict[int, int] = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params:
            seen[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        net(x).sum()
    return sum(seen.values())
