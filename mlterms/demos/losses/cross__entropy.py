"""Cross-entropy: -log softmax at the label, soft targets, the gradient p - y, and stable BCE."""

from __future__ import annotations

import math

from mlterms.demos.hand.losses import bce_with_logits, cross_entropy, log_softmax, soft_cross_entropy
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Cross-entropy is -sum_c y_c log p_c, just -log(probability of the true class) for a hard "
    "label; F.cross_entropy takes raw logits and applies log-softmax itself.",
    params=[
        Param("batch", "int", 4, "B, examples in the batch", min=1, max=32),
        Param("classes", "int", 3, "C, classes", min=2, max=10),
        Param("big", "float", 100.0, "the largest |logit| in the binary (BCE) section", min=20, max=1000),
    ],
)
def run(r: Report, *, batch: int, classes: int, big: float) -> None:
    import torch

    z = 2 * torch.randn(batch, classes, dtype=torch.float64)  # (B, C) logits
    labels = torch.randint(0, classes, (batch,))  # (B,)
    hard_labels(r, z, labels)
    soft_targets(r, z, labels)
    gradient(r, z, labels)
    binary(r, big)


def hard_labels(r: Report, z, labels) -> None:
    import torch.nn.functional as F

    s = r.section("-log softmax, picked at the label")
    s.tensor("logits z (B, C)", z)
    p = log_softmax(z).exp()  # (B, C)
    per = cross_entropy(z, labels)  # (B,)
    s.table(
        ["example", "label", "p(label)", "-log p(label)"],
        [[i, int(labels[i]), p[i, labels[i]], per[i]] for i in range(len(labels))],
    )
    s.note(
        "A confident right answer costs almost 0; a confident wrong one costs a lot: -log(0.01) = 4.6, "
        "-log(1e-6) = 13.8. The loss of the batch is the mean of the column."
    )
    r.check_close(
        "mean of -log p(label) == F.cross_entropy(z, labels)", per.mean(), F.cross_entropy(z, labels)
    )
    twice = F.cross_entropy(p, labels)  # the bug: softmax first, then F.cross_entropy softmaxes again
    s.table(
        ["what is passed to F.cross_entropy", "loss"],
        [["logits z (right)", F.cross_entropy(z, labels)], ["softmax(z) (softmaxed twice)", twice]],
    )
    C = z.shape[1]
    floor = math.log(1 + (C - 1) / math.e)  # softmax of [1, 0, ..., 0]: the best a probability row can do
    s.note(
        "F.cross_entropy (nn.CrossEntropyLoss) applies log-softmax itself. Probabilities passed to it "
        f"are logits in [0, 1], so the loss can never go below log(1 + (C-1)/e) = {floor:.4f}, "
        "however right the model is; the true loss is not bounded that way."
    )
    r.check(
        "softmaxed twice, the loss stays >= log(1 + (C-1)/e)",
        bool((F.cross_entropy(p, labels, reduction="none") >= floor - 1e-12).all()),
        f"{float(twice):.4f} >= {floor:.4f}",
        kind="property",
    )
    r.exercise(
        "ce-first",
        "What is the cross-entropy of example 0, -log softmax(z)[label]?",
        per[0],
        given={"logits": z[0], "label": int(labels[0])},
        tolerance=1e-3,
    )


def soft_targets(r: Report, z, labels) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("soft (probability) targets")
    y = torch.softmax(torch.randn_like(z), dim=-1)  # (B, C), rows sum to 1
    s.tensor("target probabilities y (B, C)", y)
    per = soft_cross_entropy(z, y)  # (B,)
    s.note(
        "With a distribution y as the target (label smoothing, a teacher's outputs), the loss is "
        "-sum_c y_c log p_c; F.cross_entropy accepts such a (B, C) float target directly."
    )
    r.check_close("-sum y log p == F.cross_entropy(z, y)", per.mean(), F.cross_entropy(z, y), atol=1e-12)
    one_hot = F.one_hot(labels, z.shape[1]).to(z.dtype)  # (B, C)
    r.check_close(
        "one-hot y gives the hard-label loss",
        soft_cross_entropy(z, one_hot),
        F.cross_entropy(z, labels, reduction="none"),
        atol=1e-12,
        kind="property",
    )


def gradient(r: Report, z, labels) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the gradient: p - y")
    zz = z.clone().requires_grad_()
    F.cross_entropy(zz, labels, reduction="sum").backward()
    p = torch.softmax(z, dim=-1)
    y = F.one_hot(labels, z.shape[1]).to(z.dtype)  # (B, C)
    s.tensor("autograd d loss / d z (reduction='sum')", zz.grad)
    s.note(
        "d(-log p_label)/d z_c = p_c - y_c: push down every wrong class by its probability, pull up the "
        "true one by 1 - p. Each row of the gradient sums to 0, as softmax ignores a shift of all logits."
    )
    r.check_close("autograd == softmax(z) - one_hot(label)", zz.grad, p - y, atol=1e-12)
    r.check_close(
        "each gradient row sums to 0",
        zz.grad.sum(-1),
        torch.zeros(len(labels), dtype=z.dtype),
        atol=1e-12,
        kind="property",
    )
    r.exercise(
        "grad-true-class",
        "With reduction='sum', what is d loss / d z at example 0's true class?",
        (p - y)[0, labels[0]],
        given={"logits": z[0], "label": int(labels[0])},
        tolerance=1e-3,
    )


def binary(r: Report, big: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("binary cross-entropy: log(sigmoid) overflows, BCE-with-logits does not")
    zb = torch.tensor([-big, -big / 4, -1.0, 0.0, 1.0, big / 4, big])  # (7,) float32 logits
    y = torch.tensor([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0])  # mostly confident and wrong
    zg = zb.clone().requires_grad_()
    sig = torch.sigmoid(zg)
    naive = -(y * sig.log() + (1 - y) * (1 - sig).log())  # (7,) the textbook formula
    naive.sum().backward()
    assert zg.grad is not None  # backward() just filled it
    naive = naive.detach()
    stable = bce_with_logits(zb, y)
    exact = F.softplus(zb.double()) - zb.double() * y.double()  # float64: log(1 + e^z) - z y
    s.table(
        ["logit z", "label y", "naive form", "its gradient", "stable form", "float64 reference"],
        [[zb[i], y[i], naive[i], zg.grad[i], stable[i], exact[i]] for i in range(len(zb))],
    )
    s.note(
        "In float32 sigmoid(z) rounds to exactly 1 above z ~ 17, so log(1 - sigmoid(z)) = log 0 = -inf "
        "and the loss is inf, its gradient NaN; on the other side sigmoid(z) underflows to 0 below "
        "z ~ -88. The stable form max(z, 0) - z y + log(1 + e^-|z|) never takes the log of 0: a wrong "
        "answer at logit z costs about |z|, as it should."
    )
    r.check(
        "at z = big, y = 0 the naive loss is inf and its gradient NaN",
        bool(naive[-1].isinf() and zg.grad[-1].isnan()),
        f"loss {naive[-1].item()}, gradient {zg.grad[-1].item()}",
        kind="property",
    )
    r.check_close("stable form == float64 softplus(z) - z y", stable.double(), exact, atol=1e-6 * big)
    r.check_close(
        "stable form == F.binary_cross_entropy_with_logits",
        stable.mean(),
        F.binary_cross_entropy_with_logits(zb, y),
        atol=1e-4,
    )
