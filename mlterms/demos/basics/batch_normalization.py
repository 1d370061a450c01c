"""Batch normalization: per feature over the batch in train mode, running statistics in eval mode."""

from __future__ import annotations

from mlterms.demos.hand.normalization import batch_norm_backward, batch_norm_by_hand, running_stats_update
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

C = 3  # features


@demo(
    summary="Batch normalization normalizes each feature over the batch, (x - batch mean) / "
    "sqrt(batch var + eps), then scales by a learned gamma and shifts by a learned beta; at eval it "
    "uses running averages collected during training.",
    params=[
        Param(
            "momentum", "float", 0.1, "weight of each new batch in the running statistics", min=0.01, max=1.0
        ),
        Param("batch", "int", 8, "N, examples per batch", min=4, max=64),
    ],
)
def run(r: Report, *, momentum: float, batch: int) -> None:
    import torch
    from torch import nn

    f64 = torch.float64
    scale, shift = torch.tensor([1.0, 10.0, 3.0], dtype=f64), torch.tensor([0.0, 5.0, -3.0], dtype=f64)
    batches = [torch.randn(batch, C, dtype=f64) * scale + shift for _ in range(30)]  # 30 of (N, C)
    bn = nn.BatchNorm1d(C, momentum=momentum).double()  # eps 1e-5
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))  # gamma, learned in practice
        bn.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))  # beta
    train_mode(r, bn, batches[0])
    rm, rv = running_stats(r, bn, batches, momentum, scale, shift)
    eval_mode(r, bn, batches[0], rm, rv, scale, shift)
    per_channel(r, batch)
    bias_is_redundant(r, batch)
    backward(r, batch)


def train_mode(r: Report, bn, x) -> None:
    import torch

    gamma, beta = bn.weight.detach(), bn.bias.detach()
    s = r.section("train mode: normalise each feature over the batch")
    y, mean, var = batch_norm_by_hand(x, gamma, beta, bn.eps)
    s.note(
        "For each feature (column): subtract the batch mean, divide by sqrt(batch variance + eps), then "
        "y = gamma * x_hat + beta. This variance divides by N (biased)."
    )
    s.tensor(f"batch x (N={len(x)}, C={C})", x)
    s.tensor("batch mean", mean)
    s.tensor("batch variance (divide by N)", var)
    s.tensor("y", y)
    with torch.no_grad():
        ref = bn(x)  # train mode: also updates the running statistics
    r.check_close("by hand == nn.BatchNorm1d (train)", y, ref, atol=1e-12)
    y_std, y_mean = torch.std_mean(y, dim=0, correction=0)
    r.check_close("each output feature has mean beta", y_mean, beta, atol=1e-9, kind="property")
    r.check_close(
        "each output feature has std gamma * sqrt(var / (var + eps))",
        y_std,
        gamma * (var / (var + bn.eps)).sqrt(),
        atol=1e-9,
        kind="property",
    )


def running_stats(r: Report, bn, batches, momentum: float, scale, shift):
    import torch

    s = r.section(f"running statistics (what eval mode will use), momentum {momentum:g}")
    rm, rv = torch.zeros(C, dtype=torch.float64), torch.ones(C, dtype=torch.float64)
    rm, rv = running_stats_update(rm, rv, batches[0], momentum)  # bn saw batch 0 in train_mode
    rows = [[1, *rm.tolist(), *rv.tolist()]]
    for step, xb in enumerate(batches[1:], start=2):
        with torch.no_grad():
            bn(xb)
        rm, rv = running_stats_update(rm, rv, xb, momentum)
        if step in (2, 3, 10, 30):
            rows.append([step, *rm.tolist(), *rv.tolist()])
    biased = torch.ones(C, dtype=torch.float64)
    for xb in batches:
        biased = (1 - momentum) * biased + momentum * xb.var(dim=0, correction=0)
    rows.append(["30, biased var", "", "", "", *biased.tolist()])
    rows.append(["data", *shift.tolist(), *(scale**2).tolist()])
    s.table(["batch", "mean[0]", "mean[1]", "mean[2]", "var[0]", "var[1]", "var[2]"], rows)
    s.note(
        f"running = (1 - {momentum:g}) * running + {momentum:g} * batch statistic, from mean 0, var 1. "
        "The running variance takes the UNBIASED batch variance (divide by N - 1), though normalising "
        "uses the biased one: the row 'biased var' shows what the other convention would store. After "
        f"k batches the start values still weigh (1 - momentum)^k: {(1 - momentum) ** 3:.3f} after 3, "
        f"{(1 - momentum) ** 30:.3f} after 30. 'data' is the true mean and variance. A small momentum "
        "averages more batches but forgets the start slowly; momentum 1 keeps only the last batch."
    )
    r.check_close("running_mean by hand == module", rm, bn.running_mean, atol=1e-12)
    r.check_close("running_var by hand (unbiased) == module", rv, bn.running_var, atol=1e-12)
    r.exercise(
        "start-weight",
        "With this momentum, what weight do the start values (mean 0, var 1) keep after k batches?",
        (1 - momentum) ** 10,
        given={"momentum": momentum, "k": 10},
        tolerance=1e-3,
    )
    return rm, rv


def eval_mode(r: Report, bn, x, rm, rv, scale, shift) -> None:
    import torch
    import torch.nn.functional as F

    gamma, beta = bn.weight.detach(), bn.bias.detach()
    s = r.section("eval mode: fixed statistics, each example on its own")
    bn.eval()
    x_new = torch.randn(2, C, dtype=torch.float64) * scale + shift
    with torch.no_grad():
        y_eval = bn(x_new)
    s.tensor("eval output for 2 new examples", y_eval)
    r.check_close(
        "eval == (x - running_mean) / sqrt(running_var + eps) * gamma + beta",
        (x_new - rm) / (rv + bn.eps).sqrt() * gamma + beta,
        y_eval,
        atol=1e-12,
    )
    x_mod = x.clone()
    x_mod[1] += 5.0 * scale  # change ANOTHER example in the batch
    train0 = F.batch_norm(x, None, None, gamma, beta, training=True)[0]
    train0_mod = F.batch_norm(x_mod, None, None, gamma, beta, training=True)[0]
    with torch.no_grad():
        eval0, eval0_mod = bn(x)[0], bn(x_mod)[0]
    s.table(
        ["mode", "max change of example 0's output when example 1 changes"],
        [
            ["train (batch statistics)", (train0 - train0_mod).abs().max()],
            ["eval (running)", (eval0 - eval0_mod).abs().max()],
        ],
    )
    s.note(
        "In train mode an example's output depends on its batch mates; this noise regularizes a little. "
        "In eval mode the output depends on the example alone, so predictions do not change with the batch."
    )
    r.check(
        "train mode: example 0's output depends on example 1",
        float((train0 - train0_mod).abs().max()) > 1e-6,
        kind="property",
    )
    r.check_close(
        "eval mode: example 0's output ignores example 1", eval0, eval0_mod, atol=0, kind="property"
    )


def per_channel(r: Report, batch: int) -> None:
    import torch
    from torch import nn

    s = r.section("BatchNorm2d: one mean and variance per channel, over N, H and W")
    x = torch.randn(batch, 2, 3, 3, dtype=torch.float64) * torch.tensor([1.0, 4.0]).view(1, 2, 1, 1)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1)
    var = ((x - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1)
    y = (x - mean) / (var + 1e-5).sqrt()  # gamma 1, beta 0 at initialisation
    with torch.no_grad():
        ref = nn.BatchNorm2d(2).double()(x)
    r.check_close("per channel over (N, H, W) by hand == nn.BatchNorm2d (train)", y, ref, atol=1e-12)
    m_pos = x.mean(dim=0, keepdim=True)  # (1, C, H, W): one statistic per channel AND position
    wrong = (x - m_pos) / (((x - m_pos) ** 2).mean(dim=0, keepdim=True) + 1e-5).sqrt()
    s.table(
        ["statistics over", "numbers per mean", "max |diff| to nn.BatchNorm2d"],
        [
            ["N, H, W (per channel)", batch * 9, (y - ref).abs().max()],
            ["N only (per channel and position)", batch, (wrong - ref).abs().max()],
        ],
        title=f"x: (N={batch}, C=2, H=3, W=3)",
    )
    s.note(
        "A conv feature map has one channel per filter, and the same filter made every position, so "
        "every position of a channel shares its statistics, gamma and beta."
    )
    r.exercise(
        "numbers-per-mean",
        "BatchNorm2d on an input of this shape (N, C, H, W): how many numbers go into each mean?",
        batch * 9,
        given={"shape": [batch, 2, 3, 3]},
    )


def bias_is_redundant(r: Report, batch: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("a bias before batch norm does nothing")
    x = torch.randn(batch, 4, dtype=torch.float64)  # (N, in)
    W, b = torch.randn(C, 4, dtype=torch.float64), 3 * torch.randn(C, dtype=torch.float64)
    b.requires_grad_()
    gamma, beta = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64), torch.zeros(C, dtype=torch.float64)
    with_bias = F.batch_norm(x @ W.T + b, None, None, gamma, beta, training=True)  # (N, C)
    without = F.batch_norm(x @ W.T, None, None, gamma, beta, training=True)
    r.check_close("BN(x W^T + b) == BN(x W^T)", with_bias, without, atol=1e-12, kind="property")
    (with_bias * torch.randn_like(with_bias)).sum().backward()  # any loss
    r.check_close(
        "d loss / d b == 0 for any loss", b.grad, torch.zeros(C, dtype=torch.float64), 1e-12, kind="property"
    )
    h, h10 = x @ W.T, x @ (10 * W).T  # pre-activations, and with 10x larger weights
    bn_h10 = batch_norm_by_hand(h10, gamma, beta, eps=0.0)[0]
    bn_h = batch_norm_by_hand(h, gamma, beta, eps=0.0)[0]
    r.check_close("BN(x (10 W)^T) == BN(x W^T) (eps 0)", bn_h10, bn_h, atol=1e-9, kind="property")
    s.table(
        ["change before BN", "max |output change|"],
        [
            ["add a bias b", (with_bias - without).abs().max()],
            ["scale the weights by 10 (eps 0)", (bn_h10 - bn_h).abs().max()],
        ],
    )
    s.note(
        "Subtracting the batch mean removes any constant added per feature, so the bias gets zero "
        "gradient: beta is the bias. Write nn.Linear(..., bias=False) or nn.Conv2d(..., bias=False) "
        "before a BN layer. Scaling the weights changes nothing either, so activations cannot blow up as "
        "weights grow: the reason the BN paper (Ioffe & Szegedy, 2015) gives for the higher learning "
        f"rates it allows. (With h = x W^T, the mean of h is {float(h.mean()):.3f}; after BN it is beta.)"
    )


def backward(r: Report, batch: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the backward pass by hand")
    x = (2 * torch.randn(batch, C, dtype=torch.float64) + 1).requires_grad_()  # (N, C)
    gamma = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
    beta = torch.zeros(C, dtype=torch.float64, requires_grad=True)
    dy = torch.randn(batch, C, dtype=torch.float64)  # dL/dy from the layers above
    F.batch_norm(x, None, None, gamma, beta, training=True).backward(dy)
    dx, dgamma, dbeta = batch_norm_backward(dy, x.detach(), gamma.detach())
    s.note(
        "Every example moves the batch mean and variance, so dL/dx has three terms: "
        "dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat)), means over the batch; "
        "dgamma = sum(dy * x_hat), dbeta = sum(dy)."
    )
    s.tensor("dL/dx by hand", dx)
    r.check_close("dx by hand == autograd of F.batch_norm", dx, x.grad, 1e-10)
    assert gamma.grad is not None and beta.grad is not None
    r.check_close(
        "dgamma, dbeta by hand == autograd",
        torch.cat([dgamma, dbeta]),
        torch.cat([gamma.grad, beta.grad]),
        1e-10,
    )

    class HandBatchNorm(torch.autograd.Function):  # the by-hand forward and backward as one op
        @staticmethod
        def forward(ctx, x, gamma, beta):
            ctx.save_for_backward(x, gamma)
            return batch_norm_by_hand(x, gamma, beta)[0]

        @staticmethod
        def backward(ctx, grad):
            x, gamma = ctx.saved_tensors
            return batch_norm_backward(grad, x, gamma)

    few = x.detach()[:5].clone().requires_grad_()  # (5, C): finite differences cost 2 passes per number
    inputs = (few, gamma.detach().clone().requires_grad_(), beta.detach().clone().requires_grad_())
    ok = torch.autograd.gradcheck(
        HandBatchNorm.apply, inputs, eps=1e-6, atol=1e-6, fast_mode=True, raise_exception=False
    )
    r.check("hand backward == finite differences (torch.autograd.gradcheck)", ok, kind="reference")
    sums = dx.sum(dim=0).abs().max()
    r.check_close(
        "dx sums to 0 over the batch, per feature",
        sums,
        torch.tensor(0.0, dtype=torch.float64),
        1e-10,
        kind="property",
    )
