"""Computational graph: walk grad_fn and next_functions of a small expression, backprop by walking it,
leaves against non-leaves, and what retain_graph keeps."""

from __future__ import annotations

import warnings
from collections import Counter

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

EXPRESSION = "L = (a * b + exp(a)) * b"
OPS = Counter(
    {"MulBackward0": 2, "ExpBackward0": 1, "AddBackward0": 1, "AccumulateGrad": 2}
)  # read off the formula


def nodes_of(root) -> list:
    """Every node reachable from root through next_functions, each once, in topological order (root first)."""
    seen: set[int] = set()
    order: list = []

    def visit(node) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        for child, _ in node.next_functions:
            visit(child)
        order.append(node)  # after its inputs: post-order

    visit(root)
    return order[::-1]


def backprop_by_walk(loss) -> dict:
    """Backprop by calling each recorded node on its output's gradient, root first: a node returns one
    gradient per entry of its next_functions; AccumulateGrad nodes hold the leaves (node.variable)."""
    import torch

    pending = {id(loss.grad_fn): torch.ones_like(loss)}
    leaves: dict = {}
    for node in nodes_of(loss.grad_fn):
        g = pending.pop(id(node))
        if hasattr(node, "variable"):  # AccumulateGrad: a leaf's .grad
            leaves[node.variable] = g
            continue
        outs = node(g)
        outs = outs if isinstance(outs, tuple) else (outs,)
        for (child, _), out in zip(node.next_functions, outs, strict=True):
            if child is not None and out is not None:
                pending[id(child)] = pending.get(id(child), 0) + out
    return leaves


@demo(
    summary="A computational graph records every operation of the forward pass as a node linked to its "
    "inputs; backprop walks it from the loss back to the leaves, applying the chain rule at each node.",
)
def run(r: Report) -> None:
    import torch

    a, b = (torch.tensor(round(float(v), 2), dtype=torch.float64, requires_grad=True) for v in torch.randn(2))
    walk(r, a, b)
    leaves_and_retain(r, a, b)


def build(a, b):
    c = a * b
    d = c + a.exp()
    return c, d, d * b


def walk(r: Report, a, b) -> None:
    s = r.section(f"{EXPRESSION}: the graph behind L.grad_fn")
    _, _, loss = build(a, b)
    order = nodes_of(loss.grad_fn)
    names = {id(n): f"{type(n).__name__}#{i}" for i, n in enumerate(order)}
    s.table(
        ["node", "inputs (next_functions)"],
        [
            [names[id(n)], ", ".join(names[id(c)] for c, _ in n.next_functions if c is not None) or "-"]
            for n in order
        ],
    )
    s.note(
        "L.grad_fn is the last operation, a MulBackward0; next_functions links each node to the nodes that made "
        "its inputs. a is used twice (a * b and exp(a)) and b twice, yet each leaf has one AccumulateGrad node: "
        "two edges arrive there, and their gradients add up."
    )
    counted = Counter(type(n).__name__ for n in order)
    r.check_equal("nodes found by walking next_functions == the operations of the formula", dict(counted), dict(OPS),
                  kind="reference")  # fmt: skip
    edges = Counter(names[id(c)] for n in order for c, _ in n.next_functions if c is not None)
    into = {n.variable: edges[names[id(n)]] for n in order if hasattr(n, "variable")}
    r.check("each leaf's AccumulateGrad receives one edge per use (a: 2, b: 2)",
            into.get(a) == 2 and into.get(b) == 2, f"a {into.get(a)}, b {into.get(b)}", kind="property")  # fmt: skip
    walked = backprop_by_walk(loss)
    loss.backward()
    assert a.grad is not None and b.grad is not None
    import torch

    got, want = torch.stack([walked[a], walked[b]]), torch.stack([a.grad, b.grad])
    s.table(["leaf", "value", "by walking the nodes", "L.backward()", "by formula"],
            [["a", a, walked[a], a.grad, (b + a.exp()) * b], ["b", b, walked[b], b.grad, 2 * a * b + a.exp()]])  # fmt: skip
    r.check_close("calling each node on its gradient, root to leaves == L.backward()", got, want, atol=1e-12)
    r.check_close("L.backward() == dL/da = (b + e^a) b, dL/db = 2ab + e^a", want,
                  torch.stack([(b + a.exp()) * b, 2 * a * b + a.exp()]).detach(), atol=1e-12)  # fmt: skip
    r.exercise("node-count", f"{EXPRESSION}: how many nodes has its graph, AccumulateGrad nodes included?",
               len(order), given={"expression": EXPRESSION})  # fmt: skip
    a.grad = b.grad = None


def leaves_and_retain(r: Report, a, b) -> None:
    import torch

    s = r.section("leaves and non-leaves; backward frees the graph unless retain_graph=True")
    c, d, loss = build(a, b)
    d.retain_grad()  # ask for a non-leaf's gradient; c gets none
    loss.backward(retain_graph=True)
    assert a.grad is not None
    once = a.grad.clone()
    with warnings.catch_warnings():  # reading a non-leaf's .grad warns; reading it is the lesson here
        warnings.simplefilter("ignore", UserWarning)
        kept = {
            name: t.grad is not None
            for name, t in (("a", a), ("b", b), ("c = a * b", c), ("d = c + exp(a)", d))
        }
    s.table(["tensor", "is_leaf", "grad_fn", ".grad after backward"],
            [[name, t.is_leaf, t.grad_fn.name() if t.grad_fn else "None", "kept" if kept[name] else "None"]
             for name, t in (("a", a), ("b", b), ("c = a * b", c), ("d = c + exp(a)", d))])  # fmt: skip
    r.check("leaves keep .grad; of the non-leaves only d, which called retain_grad()",
            kept["a"] and kept["b"] and not kept["c = a * b"] and kept["d = c + exp(a)"] and a.is_leaf
            and not c.is_leaf and not d.is_leaf, kind="property")  # fmt: skip
    loss.backward()  # the graph was retained: a second pass works and adds to .grad
    r.check_close("a second backward with the graph retained adds: a.grad == 2 x dL/da", a.grad, 2 * once,
                  atol=1e-12, kind="property")  # fmt: skip
    try:
        loss.backward()  # the last pass freed the saved tensors
        freed = False
    except RuntimeError:
        freed = True
    r.check("a backward after a pass without retain_graph raises RuntimeError", freed, kind="property")
    with torch.no_grad():
        untracked = a * b
    s.note(
        "Leaves are tensors made by you, not by an operation; with requires_grad=True, backward stores their gradient in .grad, and "
        "repeated passes add to it (hence optimizer.zero_grad()). Intermediate results are non-leaves: their .grad "
        "stays None unless you call .retain_grad(). backward frees the tensors each node saved for its "
        f"derivative; retain_graph=True keeps them for another pass. Under torch.no_grad() nothing is recorded: "
        f"(a * b).grad_fn is {untracked.grad_fn}."
    )
    r.exercise("grad-after-two-passes", "With retain_graph=True, L.backward() runs twice. What is a.grad then?",
               (2 * once).item(), given={"a": a.item(), "b": b.item(), "expression": EXPRESSION}, tolerance=1e-3)  # fmt: skip
