"""KL divergence: sum p log(p / q), never negative, not symmetric, and F.kl_div's argument order."""

from __future__ import annotations

import warnings

from mlterms.demos.hand.losses import entropy, kl, soft_cross_entropy
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="KL(p||q) = sum p log(p / q) says how much q differs from a reference p: always >= 0, zero "
    "only when p = q, not symmetric, and equal to cross-entropy(p, q) - entropy(p).",
    params=[
        Param("batch", "int", 4, "B, pairs of distributions", min=1, max=32),
        Param("classes", "int", 3, "C, outcomes per distribution", min=2, max=10),
    ],
)
def run(r: Report, *, batch: int, classes: int) -> None:
    import torch

    p = torch.softmax(torch.randn(batch, classes, dtype=torch.float64), dim=-1)  # (B, C) reference
    zq = torch.randn(batch, classes, dtype=torch.float64)  # (B, C) the model's logits
    q = torch.softmax(zq, dim=-1)
    by_hand(r, p, q)
    argument_order(r, p, q)
    reductions(r, p, q)
    against_cross_entropy(r, p, zq)


def by_hand(r: Report, p, q) -> None:
    import torch

    s = r.section("sum p log(p / q), both ways round")
    s.tensor("p, the reference (B, C)", p)
    s.tensor("q, the model (B, C)", q)
    pq, qp = kl(p, q), kl(q, p)  # (B,)
    s.table(
        ["pair", "KL(p||q)", "KL(q||p)"],
        [[i, pq[i], qp[i]] for i in range(len(p))],
    )
    s.note(
        "Not symmetric: KL(p||q) weighs the log-ratio by p, so it is large where p has mass and q has "
        "little; KL(q||p) weighs it by q. That is why it is a divergence, not a distance."
    )
    r.check(
        "KL(p||q) != KL(q||p)",
        bool(((pq - qp).abs() > 1e-9).any()),
        f"pair 0: {pq[0]:.4f} vs {qp[0]:.4f}",
        kind="property",
    )
    a = torch.softmax(3 * torch.randn(2000, p.shape[1], dtype=torch.float64), dim=-1)  # (2000, C)
    b = torch.softmax(3 * torch.randn(2000, p.shape[1], dtype=torch.float64), dim=-1)
    many = kl(a, b)
    r.check(
        "KL >= 0 on 2000 random pairs",
        bool((many >= 0).all()),
        f"smallest {float(many.min()):.2e}",
        kind="property",
    )
    r.check_close("KL(p||p) == 0", kl(p, p), torch.zeros(len(p), dtype=p.dtype), atol=1e-12, kind="property")
    r.exercise(
        "kl-first",
        "What is KL(p||q) for pair 0 (natural log)?",
        pq[0],
        given={"p": p[0], "q": q[0]},
        tolerance=1e-3,
    )


def argument_order(r: Report, p, q) -> None:
    import torch.nn.functional as F

    s = r.section("F.kl_div(input, target): the model's log-probs first")
    right = F.kl_div(q.log(), p, reduction="batchmean")  # input = log q (model), target = p
    s.table(
        ["call", "value", "what it is"],
        [
            ["F.kl_div(q.log(), p)", right, "KL(p||q), the usual training loss"],
            ["F.kl_div(p.log(), q)", F.kl_div(p.log(), q, reduction="batchmean"), "KL(q||p), the other way"],
            ["F.kl_div(q, p)", F.kl_div(q, p, reduction="batchmean"), "nothing: q is not log-probs"],
        ],
        title="reduction='batchmean'",
    )
    s.note(
        "F.kl_div(input, target) computes target * (log target - input): input must be LOG-probabilities "
        "of the model, target the probabilities of the reference (log_target=True takes log-probs). "
        "Unlike F.mse_loss(pred, target), swapping the two silently gives another number."
    )
    r.check_close(
        "F.kl_div(q.log(), p, 'batchmean') == mean KL(p||q) by hand", right, kl(p, q).mean(), atol=1e-12
    )
    r.check_close(
        "F.kl_div(p.log(), q, 'batchmean') == mean KL(q||p) by hand",
        F.kl_div(p.log(), q, reduction="batchmean"),
        kl(q, p).mean(),
        atol=1e-12,
    )


def reductions(r: Report, p, q) -> None:
    import torch.nn.functional as F

    s = r.section("reductions: 'batchmean' is the KL per example")
    B, C = p.shape
    with warnings.catch_warnings():  # PyTorch warns that 'mean' is not the KL: the lesson below
        warnings.simplefilter("ignore", UserWarning)
        mean = F.kl_div(q.log(), p, reduction="mean")
    rows = [[red, F.kl_div(q.log(), p, reduction=red)] for red in ("sum", "batchmean")] + [["mean", mean]]
    s.table(["reduction", "value"], rows, title=f"B = {B} pairs of C = {C} outcomes")
    s.note(
        f"'sum' adds every element; 'batchmean' divides by B = {B}, which is the mean KL per example; "
        f"'mean' divides by B*C = {B * C} elements, which is not a KL at all (PyTorch warns about it)."
    )
    total = float(kl(p, q).sum())
    r.check_close("'sum' == sum of KL by hand", F.kl_div(q.log(), p, reduction="sum"), total, atol=1e-12)
    r.check_close("'mean' == sum / (B*C)", mean, total / (B * C), atol=1e-12)
    r.exercise(
        "mean-divisor",
        "F.kl_div(..., reduction='mean') divides the summed KL by what?",
        B * C,
        given={"input shape": [B, C]},
    )


def against_cross_entropy(r: Report, p, zq) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("cross-entropy = entropy + KL")
    ce = F.cross_entropy(zq, p, reduction="none")  # (B,) -sum p log q
    h, d = entropy(p), kl(p, torch.softmax(zq, dim=-1))
    s.table(
        ["pair", "cross-entropy H(p, q)", "entropy H(p)", "KL(p||q)"],
        [[i, ce[i], h[i], d[i]] for i in range(len(p))],
    )
    r.check_close("F.cross_entropy(z_q, p) == H(p) + KL(p||q)", ce, h + d, atol=1e-12)
    z = zq.clone().requires_grad_()
    (g_ce,) = torch.autograd.grad(soft_cross_entropy(z, p).sum(), z)
    (g_kl,) = torch.autograd.grad(F.kl_div(F.log_softmax(z, dim=-1), p, reduction="sum"), z)
    s.note(
        "H(p) does not depend on the model, so for a fixed p the two losses differ by a constant and "
        "have the same gradient: training on KL or on cross-entropy is the same (distilling uses KL)."
    )
    r.check_close("d KL / d z_q == d cross-entropy / d z_q", g_kl, g_ce, atol=1e-12, kind="property")
