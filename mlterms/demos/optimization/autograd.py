"""Autograd: a small graph differentiated by hand against .backward(), checked like gradcheck, and what it costs."""

from __future__ import annotations

import time

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

WIDTH = 64  # units per layer of the cost experiment


def graph_by_hand(a: float, b: float) -> tuple[dict[str, float], dict[str, float]]:
    """L = (a*b + sin a) * exp b, node by node: forward values, then adjoints dL/d(node) by the chain rule.

    a and b each feed two nodes, so their adjoints are sums over both paths."""
    import math

    u = a * b
    v = math.sin(a)
    s = u + v
    z = math.exp(b)
    loss = s * z
    d = {"L": 1.0}
    d["s"] = d["L"] * z  # L = s * z
    d["z"] = d["L"] * s
    d["u"] = d["s"]  # s = u + v: the sum passes the gradient to both
    d["v"] = d["s"]
    d["a"] = d["u"] * b + d["v"] * math.cos(a)  # a -> u and a -> v
    d["b"] = d["u"] * a + d["z"] * z  # b -> u and b -> z (exp' = exp)
    return {"a": a, "b": b, "u": u, "v": v, "s": s, "z": z, "L": loss}, d


@demo(
    summary="Autograd records the operations of the forward pass as a graph, then runs the chain rule "
    "backward through it: exact gradients up to floating point, for a small multiple of the forward cost "
    "plus the memory of the tensors it saved.",
    params=[
        Param("batch", "int", 64, "batch size of the cost experiment", min=8, max=512),
        Param("depth", "int", 4, "linear + tanh layers of the cost experiment", min=1, max=8),
    ],
)
def run(r: Report, *, batch: int, depth: int) -> None:
    import torch

    a, b = (round(v, 2) for v in torch.randn(2).tolist())
    by_hand(r, a, b)
    checked_like_gradcheck(r)
    cost(r, batch, depth)


def by_hand(r: Report, a: float, b: float) -> None:
    import torch

    s = r.section("L = (a*b + sin a) * exp b: forward, then backward by the chain rule")
    values, adjoints = graph_by_hand(a, b)
    ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (a, b))
    nodes = {"a": ta, "b": tb}
    nodes["u"] = ta * tb
    nodes["v"] = torch.sin(ta)
    nodes["s"] = nodes["u"] + nodes["v"]
    nodes["z"] = torch.exp(tb)
    nodes["L"] = nodes["s"] * nodes["z"]
    for name in "uvszL":
        nodes[name].retain_grad()  # keep the gradients of the inner nodes too, to compare
    nodes["L"].backward()
    formulas = {"a": "a", "b": "b", "u": "a * b", "v": "sin a", "s": "u + v", "z": "exp b", "L": "s * z"}
    chain = {"a": "dL/du * b + dL/dv * cos a", "b": "dL/du * a + dL/dz * z", "u": "dL/ds", "v": "dL/ds",
             "s": "dL/dL * z", "z": "dL/dL * s", "L": "1"}  # fmt: skip
    s.table(
        ["node", "forward", "value", "dL/d(node) by the chain rule", "by hand", "autograd .grad"],
        [[n, formulas[n], values[n], chain[n], adjoints[n], nodes[n].grad] for n in formulas],
    )
    s.note(
        "a feeds u and v, b feeds u and z: a node used twice gets the sum of the gradients along its paths "
        "(autograd accumulates them into .grad). The backpropagation demo does the same for a layered net."
    )
    hand = torch.tensor([adjoints[n] for n in formulas], dtype=torch.float64)
    got = torch.stack([nodes[n].grad for n in formulas])  # type: ignore[misc]
    r.check_close("chain rule by hand == L.backward() at every node", hand, got, atol=1e-12)
    r.exercise(
        "grad-a",
        "L = (a*b + sin a) * exp b: what is dL/da at the given a and b?",
        adjoints["a"],
        given={"a": a, "b": b},
        tolerance=1e-3 * max(1.0, abs(adjoints["a"])),
    )


def graph_function(broken: bool = False):
    """L(a, b) elementwise as a torch.autograd.Function whose backward is the chain rule written by hand;
    broken=True forgets the path a -> sin a, a plausible bug."""
    import torch

    class Graph(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return (a * b + torch.sin(a)) * torch.exp(b)

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            z = torch.exp(b)
            da = grad * z * (b if broken else b + torch.cos(a))
            db = grad * z * (a + a * b + torch.sin(a))
            return da, db

    return Graph.apply


def jacobians(fn, inputs, h: float = 1e-6):
    """For y = fn(*inputs), y (M,): the Jacobian of y w.r.t. each input twice, (backward, finite differences).

    The backward one is built a row at a time from y[i].backward(); the other by central differences."""
    import torch

    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    y = fn(*leaves)  # (M,)
    rows = []
    for i in range(len(y)):
        for x in leaves:
            x.grad = None
        y[i].backward(retain_graph=True)
        rows.append(torch.cat([x.grad for x in leaves]))
    backward = torch.stack(rows)  # (M, sum of input sizes)
    cols = []
    for k, x in enumerate(inputs):
        for j in range(x.numel()):
            step = torch.zeros_like(x)
            step[j] = h
            plus = [v + step if m == k else v for m, v in enumerate(inputs)]
            minus = [v - step if m == k else v for m, v in enumerate(inputs)]
            cols.append((fn(*plus) - fn(*minus)).detach() / (2 * h))
    return backward, torch.stack(cols, dim=1)  # both (M, sum of input sizes)


def checked_like_gradcheck(r: Report) -> None:
    import torch

    s = r.section("checking a backward the way torch.autograd.gradcheck does")
    a, b = torch.randn(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)  # (3,), (3,)
    good = jacobians(graph_function(), (a, b))
    bad = jacobians(graph_function(broken=True), (a, b))
    gap_good = float((good[0] - good[1]).abs().max())
    gap_bad = float((bad[0] - bad[1]).abs().max())
    s.table(
        ["backward", "max |Jacobian(backward) - Jacobian(finite differences)|"],
        [["the chain rule by hand", gap_good], ["a -> sin a forgotten", gap_bad]],
        title="a custom torch.autograd.Function, float64, central differences with h = 1e-6",
    )
    s.note(
        "gradcheck compares the Jacobian from backward with one from central finite differences, in float64. "
        "The demo does the same in a few lines: torch.autograd.gradcheck itself builds its rows with "
        "torch.autograd.grad(grad_outputs=...), whose first call imports sympy, about a second and a half."
    )
    r.check("custom backward == finite differences (the gradcheck test)", gap_good < 1e-6, f"{gap_good:.1e}",
            kind="reference")  # fmt: skip
    r.check("the same test catches a backward that drops a path", gap_bad > 1e-3, f"{gap_bad:.1e}",
            kind="property")  # fmt: skip


def mlp_loss(x, weights, biases):
    """sum of tanh(... tanh(x W1^T + b1) ...), x (N, WIDTH), each W (WIDTH, WIDTH)."""
    import torch
    import torch.nn.functional as F

    h = x
    for w, b in zip(weights, biases, strict=True):
        h = torch.tanh(F.linear(h, w, b))  # (N, WIDTH)
    return h.sum()


def saved(x, weights, biases, grad: bool = True) -> tuple[int, int]:
    """(tensors the forward saved for backward, distinct bytes of them that are not parameters)."""
    import contextlib

    import torch

    seen: list = []
    params = {p.data_ptr() for p in [*weights, *biases]}

    def pack(t):
        seen.append(t)
        return t

    recording = contextlib.nullcontext() if grad else torch.no_grad()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), recording:
        mlp_loss(x, weights, biases)
    distinct = {t.data_ptr(): t.numel() * t.element_size() for t in seen if t.data_ptr() not in params}
    return len(seen), sum(distinct.values())


def fastest(fn, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def cost(r: Report, batch: int, depth: int) -> None:
    import torch

    s = r.section(f"what it costs: {depth} layers of linear + tanh, width {WIDTH}, batch {batch}")
    weights = [(torch.randn(WIDTH, WIDTH) / WIDTH**0.5).requires_grad_() for _ in range(depth)]
    biases = [torch.zeros(WIDTH, requires_grad=True) for _ in range(depth)]
    x = torch.randn(batch, WIDTH)  # (N, WIDTH), no gradient needed
    flops = 2 * batch * WIDTH * WIDTH  # one (N, W) @ (W, W) matmul
    t_fwd = fastest(lambda: mlp_loss(x, weights, biases))
    t_both = fastest(lambda: mlp_loss(x, weights, biases).backward())
    s.table(
        ["pass", "matmul FLOPs (by hand)", "time, best of 5 (ms)"],
        [
            ["forward", depth * flops, 1e3 * t_fwd],
            ["backward", (2 * depth - 1) * flops, 1e3 * (t_both - t_fwd)],
            ["forward + backward", (3 * depth - 1) * flops, 1e3 * t_both],
        ],
    )
    s.note(
        "Backward does two matmuls per layer (for dL/dW and for dL/dh), one for the first layer, whose input "
        "needs no gradient: about twice the forward, so a training step costs about 3x a forward pass. "
        "Timings vary from run to run; the counts do not."
    )
    rows = []
    for n in (batch, 2 * batch):
        xn = torch.randn(n, WIDTH)
        count, act = saved(xn, weights, biases)
        rows.append([n, count, act, sum(p.numel() * p.element_size() for p in [*weights, *biases])])
    none, _ = saved(x, weights, biases, grad=False)
    s.table(["batch", "tensors saved", "distinct activation bytes", "parameter bytes"], rows,
            title="saved for backward (torch.autograd.graph.saved_tensors_hooks)")  # fmt: skip
    s.note(
        "The forward keeps each layer's input and tanh output until backward: memory that grows with batch "
        "and depth, while the parameters stay the same size. Under torch.no_grad() nothing is recorded."
    )
    r.check("torch.no_grad(): the forward saves nothing", none == 0 < rows[0][1], f"{none} vs {rows[0][1]}",
            kind="property")  # fmt: skip
    r.check("twice the batch, twice the saved activations", rows[1][2] == 2 * rows[0][2],
            f"{rows[1][2]} == 2 x {rows[0][2]}", kind="property")  # fmt: skip
    r.exercise(
        "backward-over-forward",
        "Matmul FLOPs of backward / forward for this net (the first layer's input needs no gradient)?",
        (2 * depth - 1) / depth,
        given={"depth": depth},
        tolerance=1e-3,
    )
