"""Demos: training.

Updates are written out by hand (p <- p - lr * grad) except where torch.optim itself is the subject
(step): besides being the point of these demos, this keeps them fast, because the first use of torch.optim
imports torch._dynamo, which costs seconds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    import torch


# --- hyperparameter ------------------------------------------------------------------------------


def _mlp(width: int) -> torch.nn.Module:
    """A tiny 1 -> width -> 1 regression net."""
    import torch.nn as nn

    return nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))


def gd(params, loss_fn, lr: float, steps: int, momentum: float = 0.0) -> list[float]:
    """Full-batch gradient descent by hand, torch.optim.SGD's rule: v <- momentum*v + grad, p <- p - lr*v.

    Returns the loss before every step and after the last one.
    """
    import torch

    params = list(params)
    velocity = [torch.zeros_like(p) for p in params]
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = None  # optimizer.zero_grad()
        loss = loss_fn()  # forward
        loss.backward()  # backward: fills p.grad
        with torch.no_grad():  # the update, what optimizer.step() would do
            for p, v in zip(params, velocity, strict=True):
                v.mul_(momentum).add_(p.grad)
                p -= lr * v
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(loss_fn().item())
    return losses


@demo(
    "hyperparameter",
    summary="Hyperparameters (learning rate, width, steps) are chosen by you before training; the "
    "parameters (weights, biases) are what training learns. Same data, different choices, different results.",
)
def hyperparameter(r: Report) -> None:
    import copy

    import torch
    import torch.nn.functional as F

    x = torch.linspace(-2, 2, 32).unsqueeze(1)  # (N, 1) training inputs
    x_val = x[:-1] + 1 / 31  # (N-1, 1) held-out inputs, halfway between the training ones
    y, y_val = torch.sin(2 * x), torch.sin(2 * x_val)  # targets
    lrs, widths, steps = (0.01, 0.05, 0.2), (2, 8), 60

    s = r.section("a small grid search: learning rate x width")
    s.note(
        f"Every run: full-batch SGD on MSE for {steps} steps; runs of one width start from the same initial "
        "weights, so only the hyperparameters differ. Pick the winner on held-out (validation) data, "
        "not on the training loss."
    )
    rows, final, val, curves = [], {}, {}, {}
    for width in widths:
        init = _mlp(width)  # its weights and biases are the parameters: training learns them
        n_params = sum(p.numel() for p in init.parameters())
        r.check_equal(f"width {width}: parameter count = 3*width + 1", n_params, 3 * width + 1)
        for lr in lrs:
            model = copy.deepcopy(init)
            losses = gd(model.parameters(), lambda m=model: F.mse_loss(m(x), y), lr, steps)
            with torch.no_grad():
                val[(lr, width)] = F.mse_loss(model(x_val), y_val).item()
            final[(lr, width)] = losses[-1]
            if width == widths[-1]:
                curves[f"lr={lr}"] = losses
            rows.append([lr, width, n_params, losses[0], losses[-1], val[(lr, width)]])
        if width == widths[0]:
            model = copy.deepcopy(init)
            again = gd(model.parameters(), lambda m=model: F.mse_loss(m(x), y), lrs[1], steps)[-1]
            r.check("same hyperparameters + same init -> same result", again == final[(lrs[1], width)])
    s.table(
        ["learning rate", "width", "# parameters", "loss at start", "final train loss", "validation loss"],
        rows,
    )
    s.plot(f"training loss, width {widths[-1]}", list(range(steps + 1)), **curves)
    lr_best, width_best = min(val, key=val.get)
    s.scalar("best on validation", f"learning rate {lr_best}, width {width_best}")

    r.check("every run finite", all(math.isfinite(v) for v in [*final.values(), *val.values()]))
    for width in widths:
        by_lr = [final[(lr, width)] for lr in lrs]
        r.check(
            f"width {width}: best lr beats the worst",
            min(by_lr) < max(by_lr),
            str([f"{v:.4f}" for v in by_lr]),
        )


# --- fine tuning ---------------------------------------------------------------------------------


@demo(
    "fine tuning",
    summary="Fine tuning continues training an already trained model on new data for a new task; here the "
    "pretrained body is frozen and only the head learns the new task.",
)
def fine_tuning(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    x = 4 * torch.rand(64, 2) - 2  # (N, 2) inputs in [-2, 2]
    y_a = torch.sin(2 * x[:, :1]) + 0.5 * x[:, 1:] ** 2  # (N, 1) task A
    y_b = torch.sin(2 * x[:, :1]) - 0.5 * x[:, 1:] ** 2  # (N, 1) task B: the same features, mixed differently
    body = nn.Sequential(nn.Linear(2, 16), nn.Tanh())  # (N, 2) -> (N, 16) features
    head = nn.Linear(16, 1)  # (N, 16) -> (N, 1)
    model = nn.Sequential(body, head)

    s = r.section("1. pretrain everything on task A")
    s.note("Both phases: full-batch gradient descent with momentum 0.9, lr 0.1 (gd(), written out by hand).")
    losses_a = gd(model.parameters(), lambda: F.mse_loss(model(x), y_a), lr=0.1, steps=100, momentum=0.9)
    s.table(
        ["task A loss", "value"], [["before pretraining", losses_a[0]], ["after pretraining", losses_a[-1]]]
    )

    s = r.section("2. freeze the body, train the head on task B")
    model.zero_grad()  # drop pretraining's leftover .grad tensors
    body.requires_grad_(False)  # no gradients for the body: autograd skips it, the update never sees it
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainable = [p for p in model.parameters() if p.requires_grad]  # what you would give the optimizer
    losses_b = gd(trainable, lambda: F.mse_loss(model(x), y_b), lr=0.1, steps=50, momentum=0.9)
    loss_b_before, loss_b_after = losses_b[0], losses_b[-1]
    s.table(
        ["task B loss", "value"], [["before fine tuning", loss_b_before], ["after fine tuning", loss_b_after]]
    )
    s.plot("task B loss while fine tuning the head", list(range(len(losses_b))), task_b=losses_b)
    rows = []
    for name, p in model.named_parameters():
        diff = (p.detach() - before[name]).abs().max()
        rows.append([name, "body" if name.startswith("0.") else "head", p.requires_grad, list(p.shape), diff])
    s.table(["parameter", "part", "requires_grad", "shape", "max |change|"], rows)
    s.note(
        "Freezing the body and training only the head is the cheapest form of fine tuning; full fine tuning "
        "updates every weight, usually with a smaller learning rate than pretraining."
    )

    r.check_equal(
        "trainable parameters = head only (16 weights + 1 bias)", sum(p.numel() for p in trainable), 17
    )
    r.check(
        "body parameters unchanged exactly",
        all(torch.equal(p, before[n]) for n, p in body.named_parameters(prefix="0")),
    )
    r.check("frozen body got no gradients", all(p.grad is None for p in body.parameters()))
    r.check(
        "head parameters changed",
        all(not torch.equal(p, before[n]) for n, p in head.named_parameters(prefix="1")),
    )
    r.check("task B loss fell", loss_b_after < loss_b_before, f"{loss_b_before:.4f} -> {loss_b_after:.4f}")


# --- step, iteration, learning rate ----------------------------------------------------------------


@demo(
    "step",
    summary="A training step is one parameter update: forward pass, backward pass (gradients), then "
    "optimizer.step() applies p <- p - lr * grad.",
)
def step(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    x, y = torch.randn(8, 3), torch.randn(8, 1)  # (N, D), (N, 1)
    model = nn.Linear(3, 1)
    lr = 0.05
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    before = [p.detach().clone() for p in model.parameters()]

    s = r.section("forward, backward, update")
    loss = F.mse_loss(model(x), y)  # forward
    loss.backward()  # backward: fills p.grad, changes no parameter
    unchanged = all(torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))
    manual = [p.detach() - lr * p.grad for p in model.parameters()]  # what SGD should produce
    opt.step()  # the update: the only line that changes a parameter
    after = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        loss_after = F.mse_loss(model(x), y)
    names = ["weight", "bias"]
    for name, b, p, m, a in zip(names, before, model.parameters(), manual, after, strict=True):
        s.table(
            ["", name],
            [
                ["before", b.flatten()],
                ["grad", p.grad.flatten()],
                ["p - lr*grad (by hand)", m.flatten()],
                ["after optimizer.step()", a.flatten()],
            ],
        )
    s.table(["", "loss"], [["before the step", loss], ["after the step", loss_after]])
    s.note(
        "The notes call a step 'a forward and backward pass of one batch': those only compute the loss and "
        "the gradients. The step is the update that follows, optimizer.step()."
    )
    r.check("backward alone changes no parameter", unchanged)
    for name, m, a in zip(names, manual, after, strict=True):
        r.check_close(f"{name}: p - lr*grad == optim.SGD step", m, a, atol=1e-7)
    r.check("the loss fell", loss_after.item() < loss.item())

    s = r.section("why optimizer.zero_grad()")
    g1 = model.weight.grad.clone()
    F.mse_loss(model(x), y).backward()  # a second backward without zero_grad: gradients ADD UP
    g_sum = model.weight.grad.clone()
    model.zero_grad()
    F.mse_loss(model(x), y).backward()
    g2 = model.weight.grad.clone()
    s.note("backward() adds into .grad; without zero_grad() the next step would use the sum of old and new.")
    s.table(
        ["", "weight.grad"],
        [
            ["1st backward", g1.flatten()],
            ["2nd, no zero_grad", g_sum.flatten()],
            ["2nd, after zero_grad", g2.flatten()],
        ],
    )
    r.check_close("without zero_grad, .grad = old + new", g_sum, g1 + g2, atol=1e-6)
    s.note(
        "Usually step = iteration = one batch. With gradient accumulation, several forward/backward passes "
        "(one per micro-batch) are summed on purpose and make a single step."
    )


def iterations_per_epoch(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Batches per pass over n examples: ceil(n / batch_size), or floor if the short last one is dropped."""
    return n // batch_size if drop_last else math.ceil(n / batch_size)


@demo(
    "iteration",
    summary="An iteration processes one batch and makes one parameter update; an epoch is "
    "ceil(N / batch size) iterations (floor with drop_last).",
)
def iteration(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    s = r.section("iterations per epoch")
    rows = []
    for n, bs in ((10, 4), (12, 4), (100, 32), (5, 8)):
        for drop_last in (False, True):
            loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=bs, drop_last=drop_last)
            sizes = [len(batch) for (batch,) in loader]
            hand = iterations_per_epoch(n, bs, drop_last)
            rows.append([n, bs, drop_last, hand, len(loader), sizes[-1] if sizes else "-"])
            r.check_equal(
                f"N={n}, batch {bs}, drop_last={drop_last}: by hand == len(DataLoader)", hand, len(loader)
            )
            r.check_equal(
                f"N={n}, batch {bs}, drop_last={drop_last}: batches actually seen", len(sizes), hand
            )
    s.table(
        ["N", "batch size", "drop_last", "ceil/floor by hand", "len(DataLoader)", "last batch size"], rows
    )
    s.note(
        "drop_last=True throws away the short last batch: with N=5 and batch size 8 there is no iteration "
        "at all."
    )

    s = r.section("step vs iteration vs epoch")
    n, bs, epochs = 10, 4, 3
    x, y = torch.randn(n, 2), torch.randn(n, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True)
    model = nn.Linear(2, 1)
    rows, steps, seen = [], 0, 0
    for epoch in range(epochs):
        for xb, yb in loader:  # one iteration: one batch (B, 2), forward + backward + one update
            old = model.weight.detach().clone()
            model.zero_grad()
            F.mse_loss(model(xb), yb).backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad  # the step (what torch.optim.SGD(lr=0.1).step() does)
            steps += int(not torch.equal(model.weight, old))  # count the updates that really happened
            seen += len(xb)
        rows.append([epoch + 1, len(loader), steps, seen])
    s.table(["epoch", "iterations this epoch", "steps (updates) so far", "examples seen so far"], rows)
    s.note(
        "One epoch = one pass over all N examples. Each iteration here makes one step (one parameter update)."
    )
    r.check_equal("total steps = epochs * ceil(N / batch size)", steps, epochs * math.ceil(n / bs))
    r.check_equal("examples seen = epochs * N", seen, epochs * n)


def gd_on_quadratic(a: float, c: float, x0: float, lr: float, steps: int) -> list[float]:
    """Gradient descent on f(x) = a (x - c)^2 by hand: x <- x - lr * f'(x), f'(x) = 2a (x - c)."""
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * 2 * a * (xs[-1] - c))
    return xs


def _gd_with_autograd(a: float, c: float, x0: float, lr: float, steps: int) -> list[float]:
    import torch

    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    xs = [x0]
    for _ in range(steps):
        x.grad = None
        (a * (x - c) ** 2).backward()  # autograd computes f'(x)
        with torch.no_grad():
            x -= lr * x.grad
        xs.append(x.item())
    return xs


@demo(
    "learning rate",
    summary="The learning rate scales each gradient step, p <- p - lr * grad: too small crawls, too large "
    "overshoots and diverges; on f(x) = a(x-c)^2 it must stay below 2/f'' = 1/a.",
)
def learning_rate(r: Report) -> None:
    import torch

    a, c, x0, steps = 2.0, 1.5, -0.5, 20  # f(x) = 2 (x - 1.5)^2, minimum at x = c = 1.5
    curvature = 2 * a  # f''(x)
    lr_max, lr_best = 2 / curvature, 1 / curvature  # 0.5 and 0.25
    rates = {"slow": 0.02, "good": 0.2, "diverging": 0.55}

    s = r.section(f"gradient descent on f(x) = {a:g} (x - {c:g})^2 from x0 = {x0:g}")
    s.note(
        "Each step multiplies the distance to the minimum by (1 - 2a*lr), so it shrinks only if "
        f"|1 - 2a*lr| < 1, i.e. 0 < lr < 2/f'' = 1/a = {lr_max:g}. "
        f"At lr = 1/(2a) = {lr_best:g} one step lands on c."
    )
    rows, curves = [], {}
    for label, lr in {**rates, "one-step (1/(2a))": lr_best, "the limit (1/a)": lr_max}.items():
        xs = gd_on_quadratic(a, c, x0, lr, steps)
        rows.append([label, lr, 1 - 2 * a * lr, xs[-1], abs(xs[-1] - c)])
        if label in rates:
            curves[f"lr={lr} ({label})"] = [math.log10(abs(x - c)) for x in xs]
            closed = [c + (1 - 2 * a * lr) ** t * (x0 - c) for t in range(steps + 1)]
            r.check_close(
                f"lr={lr}: hand loop == closed form", torch.tensor(xs), torch.tensor(closed), atol=1e-9
            )
            r.check_close(
                f"lr={lr}: hand loop (f' = 2a(x-c)) == steps on the autograd gradient",
                torch.tensor(xs),
                torch.tensor(_gd_with_autograd(a, c, x0, lr, steps)),
                atol=1e-9,
            )
    s.table(["", "learning rate", "factor 1 - 2a*lr", f"x after {steps} steps", "|x - c|"], rows)
    s.plot("log10 |x_t - c| (distance to the minimum) per step", list(range(steps + 1)), **curves)

    slow, good, bad = (gd_on_quadratic(a, c, x0, lr, steps) for lr in rates.values())
    r.check("good rate reaches the analytic minimum x = c", abs(good[-1] - c) < 1e-6, f"x = {good[-1]:.9f}")
    r.check("slow rate is still far from c", abs(slow[-1] - c) > 0.1)
    r.check("diverging rate moves away from c", abs(bad[-1] - c) > 10 * abs(x0 - c))
    r.check_equal("lr = 1/(2a) lands on c in one step", gd_on_quadratic(a, c, x0, lr_best, 1)[1], c)
    edge = gd_on_quadratic(a, c, x0, lr_max, steps)
    r.check(
        "lr = 1/a exactly: bounces between x0 and 2c - x0 forever",
        all(abs(x - c) == abs(x0 - c) for x in edge),
    )
    s.note("In a network the same rule holds with the largest curvature (Hessian eigenvalue) L: lr < 2/L.")


# --- forward pass, backpropagation ---------------------------------------------------------------


def linear_model(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """model(params, inputs) => preds."""
    W, b = params  # (D, 1), (1,)
    return x @ W + b  # (N, 1)


def autograd_graph(t: torch.Tensor, leaf_names: dict[int, str]) -> list[list[str]]:
    """The recorded graph behind t, from the output back to the leaves: [node, its inputs]."""
    rows, todo = [], [t.grad_fn]
    while todo:
        fn = todo.pop(0)
        inputs = [f for f, _ in fn.next_functions if f is not None]
        rows.append([_node_name(fn, leaf_names), ", ".join(_node_name(f, leaf_names) for f in inputs) or "-"])
        todo += inputs
    return rows


def _node_name(fn, leaf_names: dict[int, str]) -> str:
    name = type(fn).__name__
    if name == "AccumulateGrad":  # the node that writes a leaf tensor's .grad
        name += f" ({leaf_names.get(id(fn.variable), '?')})"
    return name


@demo(
    "forward pass",
    summary="The forward pass runs model(params, inputs) => preds and the loss; autograd records the graph "
    "of operations as it goes, so a later backward pass can compute the gradients.",
)
def forward_pass(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    x, y = torch.randn(4, 3), torch.randn(4, 1)  # (N, D) inputs, (N, 1) targets
    W = torch.randn(3, 1, requires_grad=True)  # (D, 1)
    b = torch.zeros(1, requires_grad=True)  # (1,)

    s = r.section("forward: preds and loss")
    preds = linear_model([W, b], x)  # (N, 1)
    loss = (preds - y).abs().sum()  # the notes' loss: sum |preds - targets|
    hand = [sum(x[i, j].item() * W[j, 0].item() for j in range(3)) + b.item() for i in range(4)]
    hand_loss = sum(abs(p - t) for p, t in zip(hand, y[:, 0].tolist(), strict=True))
    s.table(["i", "pred (by hand)", "pred", "target"], [[i, hand[i], preds[i, 0], y[i, 0]] for i in range(4)])
    s.scalar("loss = sum |preds - targets|", loss)
    s.note(
        "sum |preds - targets| is the L1 loss with reduction='sum'; "
        "it is one choice of loss among many (MSE, ...)."
    )
    r.check_close("preds by hand == x @ W + b", torch.tensor(hand).unsqueeze(1), preds.detach(), atol=1e-5)
    r.check_close(
        "loss == F.l1_loss(reduction='sum')", loss.detach(), F.l1_loss(preds.detach(), y, reduction="sum")
    )
    r.check_close("loss by hand == loss", hand_loss, loss.detach(), atol=1e-4)

    s = r.section("what the forward pass records")
    s.table(["autograd node", "inputs"], autograd_graph(loss, {id(W): "W", id(b): "b"}))
    s.note(
        "The forward pass computes no gradients: it records which operation made each tensor (grad_fn). "
        "loss.backward() then walks this graph back to the leaves W and b."
    )
    r.check("after forward, W.grad is still None", W.grad is None)
    loss.backward()
    r.check_close(
        "after backward, W.grad == x^T sign(preds - y)", W.grad, x.T @ torch.sign(preds - y).detach()
    )
    with torch.no_grad():
        inference = (linear_model([W, b], x) - y).abs().sum()
    r.check("under torch.no_grad() nothing is recorded (grad_fn is None)", inference.grad_fn is None)


def backprop_by_hand(x, y, W1, b1, W2, b2) -> dict[str, torch.Tensor]:
    """Gradients of MSE for x -> linear -> tanh -> linear, by the chain rule, layer by layer, backwards."""
    import torch

    # forward, keeping what backward needs
    z1 = x @ W1.T + b1  # (N, H)
    h = torch.tanh(z1)  # (N, H)
    out = h @ W2.T + b2  # (N, K)
    # backward: d loss / d (each tensor), same shape as the tensor
    d_out = 2 * (out - y) / out.numel()  # (N, K) loss = mean((out - y)^2) over N*K elements
    d_W2 = d_out.T @ h  # (K, H)
    d_b2 = d_out.sum(0)  # (K,)
    d_h = d_out @ W2  # (N, H)
    d_z1 = d_h * (1 - h**2)  # (N, H) tanh'(z) = 1 - tanh(z)^2
    d_W1 = d_z1.T @ x  # (H, D)
    d_b1 = d_z1.sum(0)  # (H,)
    return {"out": d_out, "W2": d_W2, "b2": d_b2, "h": d_h, "z1": d_z1, "W1": d_W1, "b1": d_b1}


@demo(
    "backpropagation",
    summary="Backpropagation computes the gradient of the loss for every parameter with the chain rule, "
    "from the output back; the optimizer then uses those gradients to update the parameters.",
)
def backpropagation(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    N, D, H, K = 4, 3, 4, 2  # batch, inputs, hidden units, outputs
    dt = torch.float64
    x, y = torch.randn(N, D, dtype=dt), torch.randn(N, K, dtype=dt)  # (N, D), (N, K)
    W1 = (torch.randn(H, D, dtype=dt) / D**0.5).requires_grad_()  # (H, D)
    b1 = torch.zeros(H, dtype=dt, requires_grad=True)  # (H,)
    W2 = (torch.randn(K, H, dtype=dt) / H**0.5).requires_grad_()  # (K, H)
    b2 = torch.zeros(K, dtype=dt, requires_grad=True)  # (K,)
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    initial = {name: p.detach().clone() for name, p in params.items()}

    s = r.section("chain rule by hand vs autograd")
    z1 = x @ W1.T + b1  # (N, H)
    h = torch.tanh(z1)  # (N, H)
    out = h @ W2.T + b2  # (N, K)
    for t in (z1, h, out):
        t.retain_grad()  # keep the gradients of intermediate tensors too, to compare
    F.mse_loss(out, y).backward()
    grads = backprop_by_hand(x, y, *(p.detach() for p in params.values()))
    s.table(
        ["gradient", "shape", "chain rule"],
        [
            ["d out", "(N, K)", "2 (out - y) / (N*K)"],
            ["d W2", "(K, H)", "d_out^T @ h"],
            ["d b2", "(K,)", "d_out summed over the batch"],
            ["d h", "(N, H)", "d_out @ W2"],
            ["d z1", "(N, H)", "d_h * (1 - h^2)   (tanh')"],
            ["d W1", "(H, D)", "d_z1^T @ x"],
            ["d b1", "(H,)", "d_z1 summed over the batch"],
        ],
    )
    s.tensor("d W1 (by hand)", grads["W1"])
    s.tensor("d W2 (by hand)", grads["W2"])
    for name, t in {"out": out, "h": h, "z1": z1, **params}.items():
        r.check_close(f"d loss/d {name}: by hand == autograd .grad", grads[name], t.grad, atol=1e-12)

    s = r.section("backprop computes gradients; the optimizer step uses them")
    r.check(
        "after backward every parameter is unchanged",
        all(torch.equal(p, initial[n]) for n, p in params.items()),
    )
    lr = 0.1
    with torch.no_grad():  # the optimizer step: what torch.optim.SGD(lr=0.1).step() does
        for p in params.values():
            p -= lr * p.grad
    for name, p in params.items():
        r.check_close(
            f"SGD step: {name} <- {name} - lr * grad",
            p.detach(),
            initial[name] - lr * grads[name],
            atol=1e-12,
        )
    s.note(
        "The notes' 'use grads and params and learning rate => new params' is the optimizer step (here SGD), "
        "not backpropagation: backprop only produces the .grad tensors the step reads."
    )
