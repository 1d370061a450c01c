"""Parameter: the numbers a model learns, counted by formula, told apart from hyperparameters and buffers."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def linear_count(n_in: int, n_out: int) -> int:
    """Weights W (out, in) plus one bias per output unit."""
    return n_in * n_out + n_out


def conv_count(c_in: int, c_out: int, k: int) -> int:
    """One kernel (c_in, k, k) per output channel, plus one bias per output channel."""
    return c_out * c_in * k * k + c_out


def _counts(r: Report, hidden: int) -> None:
    from torch import nn

    n_in, n_out, c_in, c_out, k = 10, 3, 3, 8, 3
    mlp = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))
    conv = nn.Conv2d(c_in, c_out, k)
    s = r.section("counting parameters: the formula vs numel")
    s.note(
        "A parameter is a number the model learns during training: its weights and biases. "
        "Linear(in, out) has in * out + out of them, Conv2d(C_in, C_out, k) has C_out * C_in * k * k + C_out; "
        "ReLU has none."
    )
    want = linear_count(n_in, hidden) + linear_count(hidden, n_out)
    rows = [[name, tuple(p.shape), p.numel()] for name, p in mlp.named_parameters()]
    rows += [[f"conv.{name}", tuple(p.shape), p.numel()] for name, p in conv.named_parameters()]
    s.table(["parameter", "shape", "numel"], rows, title="every parameter tensor")
    got = sum(p.numel() for p in mlp.parameters())
    conv_got = sum(p.numel() for p in conv.parameters())
    s.table(
        ["model", "formula", "count"],
        [
            [
                f"MLP {n_in} => {hidden} => {n_out}",
                f"{n_in}*{hidden}+{hidden} + {hidden}*{n_out}+{n_out}",
                got,
            ],
            [f"Conv2d({c_in}, {c_out}, {k})", f"{c_out}*{c_in}*{k}*{k}+{c_out}", conv_got],
        ],
        title="totals",
    )
    r.check_equal("MLP: sum of numel == (in*out + out) per Linear", got, want, kind="reference")
    r.check_equal(
        "conv: sum of numel == C_out*C_in*k*k + C_out", conv_got, conv_count(c_in, c_out, k), kind="reference"
    )


def _hyper(r: Report) -> None:
    import torch
    from torch import nn
    from torch.optim.sgd import sgd  # the function torch.optim.SGD.step() runs

    from mlterms.demos.hand.training import sgd_update

    lr = 0.1
    model = nn.Linear(4, 2).double()
    x, y = torch.randn(16, 4, dtype=torch.float64), torch.randn(16, 2, dtype=torch.float64)
    before = [p.detach().clone() for p in model.parameters()]
    loss = ((model(x) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(model.parameters()))
    with torch.no_grad():
        sgd_update(list(model.parameters()), list(grads), [torch.zeros_like(p) for p in before], lr)
    ref = [b.clone() for b in before]
    sgd(ref, [g.clone() for g in grads], [None] * len(ref), weight_decay=0.0,
                        momentum=0.0, lr=lr, dampening=0.0, nesterov=False, maximize=False)  # fmt: skip
    s = r.section("parameters vs hyperparameters")
    s.note(
        f"Training changes the parameters: p <- p - lr * dL/dp. The learning rate lr = {lr} is a "
        "hyperparameter: set by you before training, a plain number the update uses, not a tensor in "
        "model.parameters(), with no gradient and no change from one step to the next."
    )
    s.table(
        ["name", "kind", "in model.parameters()", "changed by a step"],
        [[n, "parameter", "yes", "yes"] for n, _ in model.named_parameters()]
        + [["lr", "hyperparameter", "no", "no"]],
    )
    moved = max(float((p.detach() - b).abs().max()) for p, b in zip(model.parameters(), before, strict=True))
    s.scalar("largest parameter change in one step", moved)
    r.check_close(
        "hand step p - lr * grad == torch.optim.sgd.sgd",
        torch.cat([p.detach().flatten() for p in model.parameters()]),
        torch.cat([p.flatten() for p in ref]),
        atol=1e-12,
    )


def _buffers(r: Report) -> None:
    import torch
    from torch import nn

    from mlterms.demos.hand.normalization import running_stats_update

    C = 3
    bn = nn.BatchNorm1d(C).double()
    x = torch.randn(8, C, dtype=torch.float64) * 2 + 1
    mean0, var0 = bn.running_mean.clone(), bn.running_var.clone()  # type: ignore[union-attr]
    bn(x).pow(2).sum().backward()
    s = r.section("parameters vs buffers: BatchNorm's running statistics")
    s.note(
        "BatchNorm learns gamma (weight) and beta (bias): 2 * C parameters. Its running mean and variance "
        "are state, not parameters (named_buffers): saved in state_dict, updated by a moving average in the "
        "forward pass, never by a gradient."
    )
    rows = [[n, "parameter", p.numel(), p.grad is not None] for n, p in bn.named_parameters()]
    rows += [[n, "buffer", b.numel(), b.requires_grad] for n, b in bn.named_buffers()]
    s.table(["name", "kind", "numel", "has grad / requires_grad"], rows)
    n_params = sum(p.numel() for p in bn.parameters())
    r.check_equal("BatchNorm1d(C) has 2 * C parameters", n_params, 2 * C, kind="reference")
    keys = set(bn.state_dict())
    split = {n for n, _ in bn.named_parameters()} | {n for n, _ in bn.named_buffers()}
    r.check_equal("state_dict keys == parameters + buffers", sorted(keys), sorted(split), kind="property")
    want_mean, want_var = running_stats_update(mean0, var0, x, momentum=0.1)
    r.check_close(
        "running stats after one forward == moving average by hand",
        torch.cat([bn.running_mean, bn.running_var]),  # type: ignore[list-item]
        torch.cat([want_mean, want_var]),
        atol=1e-12,
    )


def _frozen(r: Report, hidden: int) -> None:
    import torch
    from torch import nn

    mlp = nn.Sequential(nn.Linear(10, hidden), nn.ReLU(), nn.Linear(hidden, 3))
    mlp[0].requires_grad_(False)  # freeze the first layer
    mlp(torch.randn(5, 10)).sum().backward()
    trainable = sum(p.numel() for p in mlp.parameters() if p.requires_grad)
    s = r.section("requires_grad: which parameters training may change")
    s.note(
        "A parameter with requires_grad False (frozen, as in fine-tuning) still counts towards model size "
        "but gets no gradient, so an update leaves it alone."
    )
    s.table(
        ["parameter", "requires_grad", "grad after backward"],
        [
            [n, p.requires_grad, "none" if p.grad is None else tuple(p.grad.shape)]
            for n, p in mlp.named_parameters()
        ],
    )
    r.check_equal(
        "trainable count == the second layer's formula", trainable, linear_count(hidden, 3), kind="reference"
    )
    r.check(
        "frozen parameters get no gradient",
        all((p.grad is None) != p.requires_grad for p in mlp.parameters()),
        kind="property",
    )


@demo(
    summary="A parameter is a number the model learns during training, its weights and biases (not a "
    "hyperparameter such as the learning rate, nor a buffer); model size is counted in parameters.",
    params=[Param("hidden", "int", 16, "hidden width of the MLP", min=1, max=256)],
)
def run(r: Report, *, hidden: int) -> None:
    import torch

    _counts(r, hidden)
    _hyper(r)
    _buffers(r)
    _frozen(r, hidden)
    a, b = (int(v) for v in torch.randint(2, 1000, (2,)))
    r.exercise(
        "linear-count",
        "How many parameters does this layer have?",
        linear_count(a, b),
        given={"layer": f"nn.Linear({a}, {b})"},
    )
    r.section("see also").note(
        "The dense layer demo derives in * out + out from y = x W^T + b; the weight and bias demos look at "
        "each kind of parameter; the hyperparameter demo at the numbers you set instead."
    )
