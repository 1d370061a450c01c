"""Model: a function of input and state; the parameters are most of the state, BN's buffers the rest."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def by_hand(p: dict, b: dict, x):
    """The net Linear -> BatchNorm1d (eval) -> tanh -> Linear as a formula of its state. x: (N, 2)."""
    h = x @ p["0.weight"].T + p["0.bias"]  # (N, H)
    h = (h - b["1.running_mean"]) / (b["1.running_var"] + 1e-5).sqrt() * p["1.weight"] + p["1.bias"]
    return h.tanh() @ p["3.weight"].T + p["3.bias"]  # (N, 1)


@demo(
    summary="A model is input + params => output: an architecture (which function) plus its numbers. "
    "Other params, other outputs; and buffers such as batch norm's running statistics are state too.",
    params=[Param("hidden", "int", 3, "H, hidden units", min=1, max=16)],
)
def run(r: Report, *, hidden: int) -> None:
    import torch
    from torch import nn

    H = hidden
    net = nn.Sequential(nn.Linear(2, H), nn.BatchNorm1d(H), nn.Tanh(), nn.Linear(H, 1)).double()
    with torch.no_grad():
        for _ in range(5):  # train-mode forward passes fill BN's running statistics
            net(torch.randn(16, 2, dtype=torch.float64) * 2 + 1)
    net.eval()
    params = {k: v.detach().clone() for k, v in net.named_parameters()}
    buffers = {k: v.clone() for k, v in net.named_buffers() if "running" in k}
    x = torch.randn(4, 2, dtype=torch.float64)  # (N, in)

    s = r.section("output = f(input, state)")
    rows = [[k, "parameter", str(tuple(v.shape)), v.numel()] for k, v in net.named_parameters()]
    rows += [[k, "buffer", str(tuple(v.shape)), v.numel()] for k, v in net.named_buffers()]
    s.table(
        ["state_dict entry", "kind", "shape", "numbers"],
        rows,
        title=f"Linear(2, {H}) -> BatchNorm1d({H}) -> Tanh -> Linear({H}, 1)",
    )
    with torch.no_grad():
        out = net(x)
    s.tensor("input x (N, 2)", x)
    s.tensor("net(x) (N, 1)", out)
    r.check_close("formula of the state == net(x) (eval mode)", by_hand(params, buffers, x), out, 1e-12)
    n_params = sum(v.numel() for v in params.values())
    r.exercise(
        "param-count",
        "How many parameters has Linear(2, H) -> BatchNorm1d(H) -> Tanh -> Linear(H, 1)?",
        n_params,
        given={"H": H},
    )
    other_params(r, net, params, buffers, x, out)
    buffers_are_state(r, net, params, buffers, x, out)


def other_params(r: Report, net, params, buffers, x, out) -> None:
    import torch
    from torch.func import functional_call

    s = r.section("same architecture, other parameters")
    other = {k: torch.randn_like(v) for k, v in params.items()}
    out2 = functional_call(net, {**other, **buffers}, (x,))
    s.tensor("functional_call(net, other params, x)", out2)
    r.check_close(
        "functional_call with other params == the formula with them", out2, by_hand(other, buffers, x), 1e-12
    )
    moved = float((out2 - out).abs().max())
    r.check("other params give other outputs", moved > 1e-6, f"max|diff| {moved:.3f}", kind="property")
    s.note(
        "The architecture is the form of the function; the parameters are its numbers. functional_call "
        "runs the same module with numbers passed in, which is how torch.func computes per-example "
        "gradients or ensembles. Beware: a key it does not know is silently ignored and the module's "
        "own tensor used, so a misspelt name gives the old output."
    )


def buffers_are_state(r: Report, net, params, buffers, x, out) -> None:
    import torch
    from torch import nn
    from torch.func import functional_call

    s = r.section("buffers are state too")
    shifted = {k: v + 1.0 for k, v in buffers.items()}  # running statistics of other data
    out3 = functional_call(net, {**params, **shifted}, (x,))
    r.check_close(
        "same params, other running stats == the formula with them", out3, by_hand(params, shifted, x), 1e-12
    )
    H = params["0.bias"].numel()
    fresh = nn.Sequential(nn.Linear(2, H), nn.BatchNorm1d(H), nn.Tanh(), nn.Linear(H, 1)).double().eval()
    fresh.load_state_dict(params, strict=False)  # the parameters alone: buffers keep their start values
    with torch.no_grad():
        params_only = fresh(x)
        fresh.load_state_dict(net.state_dict())  # parameters and buffers
        full = fresh(x)
    r.check_close("a fresh net with the full state_dict == net(x)", full, out, 1e-12)
    s.table(
        ["state used", "max |output - net(x)|"],
        [
            ["own params, own buffers (full state_dict)", (full - out).abs().max()],
            ["own params, running stats + 1", (out3 - out).abs().max()],
            ["own params, buffers at their start values", (params_only - out).abs().max()],
        ],
    )
    net.train()
    before = [p.detach().clone() for p in net.parameters()]
    with torch.no_grad():
        net(torch.randn(8, 2, dtype=torch.float64))
    net.eval()
    same = all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
    changed = not torch.equal(net[1].running_mean, buffers["1.running_mean"])
    r.check("a train-mode forward pass moves the buffers, not the params", same and changed, kind="property")
    s.note(
        "Training changes the parameters through gradients; a batch norm layer also updates its buffers "
        "(running mean and variance) in every train-mode forward pass, with no gradient at all. They "
        "are in the state_dict: save only the parameters and the model you reload computes another function."
    )
    r.exercise(
        "buffer-count",
        "How many numbers in this net's state_dict are not parameters (BatchNorm1d(H) buffers)?",
        sum(v.numel() for _, v in net.named_buffers()),
        given={"H": H},
    )
