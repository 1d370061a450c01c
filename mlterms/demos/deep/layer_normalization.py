"""Layer normalization: each example normalised over its own features, by hand against F.layer_norm,
and unlike batch norm, blind to the rest of the batch."""

from __future__ import annotations

from mlterms.demos.hand.blocks import layer_norm
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

EPS = 1e-5


@demo(
    summary="Layer normalization normalises each example over its own features, (x - mean) / sqrt(var + eps) "
    "per row, then scales by gamma and shifts by beta: no batch statistics, so train and eval agree.",
    params=[
        Param("batch", "int", 4, "examples in the batch", min=3, max=32),
        Param("features", "int", 6, "features per example (the normalised axis)", min=2, max=64),
    ],
)
def run(r: Report, *, batch: int, features: int) -> None:
    import torch
    import torch.nn.functional as F

    dt = torch.float64
    x = (
        torch.randn(batch, features, dtype=dt) * 3 + torch.randn(batch, 1, dtype=dt) * 2
    )  # (B, C), shifted rows
    gamma = 1 + 0.1 * torch.randn(features, dtype=dt)  # (C,)
    beta = 0.1 * torch.randn(features, dtype=dt)  # (C,)
    s = r.section(f"x (B, C) = ({batch}, {features}): statistics per row")
    y = layer_norm(x, gamma, beta, EPS)
    plain = layer_norm(x, torch.ones_like(gamma), torch.zeros_like(beta), EPS)
    s.tensor("x", x).tensor("layer_norm(x), gamma = 1, beta = 0", plain)
    s.table(["example", "mean of x", "biased var of x", "mean after", "var after"],
            [[i, x[i].mean(), x[i].var(unbiased=False), plain[i].mean(), plain[i].var(unbiased=False)]
             for i in range(batch)])  # fmt: skip
    r.check_close("by hand == F.layer_norm(x, (C,), gamma, beta)", y, F.layer_norm(x, (features,), gamma, beta, EPS),
                  atol=1e-12)  # fmt: skip
    ln = torch.nn.LayerNorm(features, eps=EPS, dtype=dt)
    with torch.no_grad():
        ln.weight.copy_(gamma)
        ln.bias.copy_(beta)
    ln.eval()
    r.check_close("by hand == nn.LayerNorm in eval mode (no running statistics to differ)", y, ln(x).detach(),
                  atol=1e-12)  # fmt: skip
    var_want = 1 / (1 + EPS / x.var(dim=1, unbiased=False))  # eps shrinks the variance a little
    r.check_close("every row has mean 0 and variance 1 / (1 + eps / var) before gamma, beta",
                  torch.cat([plain.mean(dim=1), plain.var(dim=1, unbiased=False)]),
                  torch.cat([torch.zeros(batch, dtype=dt), var_want]), atol=1e-10, kind="property")  # fmt: skip
    versus_batch_norm(r, x, features)
    v = [round(float(t), 1) for t in torch.randint(-4, 5, (4,))]
    if len(set(v)) == 1:
        v[0] += 1.0
    vt = torch.tensor(v, dtype=dt)
    r.exercise("normalise-a-row", "Layer norm of this row, gamma 1, beta 0, eps ignored: what is its first entry?",
               float((vt[0] - vt.mean()) / vt.var(unbiased=False).sqrt()), given={"row": v}, tolerance=1e-3)  # fmt: skip


def versus_batch_norm(r: Report, x, features: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("per example, not per batch: change the other examples")
    other = x.clone()
    other[1:] = torch.randn_like(x[1:]) * 5 + 3  # same first example, new companions
    ln_a, ln_b = (F.layer_norm(t, (features,), eps=EPS)[0] for t in (x, other))
    bn_a, bn_b = (F.batch_norm(t, None, None, training=True, eps=EPS)[0] for t in (x, other))
    single = F.layer_norm(x[:1], (features,), eps=EPS)[0]
    s.tensor("example 0, layer norm, batch A and batch B", torch.stack([ln_a, ln_b]))
    s.tensor("example 0, batch norm (train mode), batch A and batch B", torch.stack([bn_a, bn_b]))
    s.note(
        "Batch normalization takes each feature's mean and variance over the batch (down a column), so an "
        "example's output depends on its companions, and eval mode must switch to running averages. Layer norm "
        "takes them over the example's own features (along a row): the same output in any batch, at batch "
        "size 1, and in train and eval alike. One reason transformers and RNNs commonly use it."
    )
    r.check_close("layer norm of example 0 does not depend on the rest of the batch", ln_a, ln_b, atol=1e-12,
                  kind="property")  # fmt: skip
    r.check_close("layer norm of example 0 alone (batch size 1) == in the batch", single, ln_a, atol=1e-12,
                  kind="property")  # fmt: skip
    r.check("batch norm's output for example 0 changes with the batch", float((bn_a - bn_b).abs().max()) > 1e-3,
            f"max |change| {float((bn_a - bn_b).abs().max()):.3f}", kind="property")  # fmt: skip
    scaled = F.layer_norm(7.0 * x + 2.0, (features,), eps=0.0)
    r.check_close("scaling or shifting an example leaves its layer norm unchanged (eps = 0)", scaled,
                  F.layer_norm(x, (features,), eps=0.0), atol=1e-10, kind="property")  # fmt: skip
