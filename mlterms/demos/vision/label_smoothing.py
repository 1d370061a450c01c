"""Label smoothing: train on (1 - eps) one-hot + eps / K, so the best logits stay finite."""

from __future__ import annotations

import math

from mlterms.demos.hand.vision import ece, fit_softmax
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

K, D, N, HELD_OUT = 3, 60, 30, 1000  # classes, features, training and held-out examples
STEPS, LR = 100, 1.5


@demo(
    summary="Label smoothing trains on a softened target, (1 - eps) for the true class and eps / K "
    "spread over all K classes, instead of a one-hot vector; by hand, against "
    "F.cross_entropy(label_smoothing=eps), and its effect on overconfident held-out predictions.",
    params=[Param("eps", "float", 0.1, "smoothing: the probability mass spread evenly", min=0.0, max=0.5)],
)
def run(r: Report, *, eps: float) -> None:
    target(r, eps)
    optimum(r, eps)
    overconfidence(r, eps)


def target(r: Report, eps: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("the smoothed target, and the loss on it")
    z = torch.randn(4, K, dtype=torch.float64)  # (B, K) logits
    y = torch.randint(0, K, (4,))  # (B,) true classes
    q = (1 - eps) * F.one_hot(y, K).double() + eps / K  # (B, K): rows still sum to 1
    loss = -(q * z.log_softmax(dim=1)).sum(dim=1).mean()  # cross-entropy against q
    s.note(
        f"q = (1 - eps) onehot(y) + eps / K: the true class gets 1 - eps + eps / K = {1 - eps + eps / K:.4f}, "
        f"each other class eps / K = {eps / K:.4f}. The loss is the cross-entropy against q, which is "
        "(1 - eps) CE(z, y) + eps * (mean over classes of -log p): the second term pulls every "
        "probability away from 0."
    )
    s.tensor("labels y", y)
    s.tensor("smoothed targets q (B, K)", q)
    ref = F.cross_entropy(z, y, label_smoothing=eps)
    r.check_close("CE against q by hand == F.cross_entropy(label_smoothing=eps)", loss, ref, atol=1e-12)
    r.check_close("== F.cross_entropy with q as probability targets", loss, F.cross_entropy(z, q), atol=1e-12)
    mix = (1 - eps) * F.cross_entropy(z, y) - eps * z.log_softmax(dim=1).mean()
    r.check_close("== (1 - eps) CE(z, y) + eps * mean(-log p)", loss, mix, atol=1e-12, kind="property")
    r.exercise(
        "true-class-target",
        "With eps and K classes, what target probability does label smoothing give the true class?",
        1 - eps + eps / K,
        given={"eps": eps, "K": K},
        tolerance=1e-3,
    )


def optimum(r: Report, eps: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("with smoothing the loss has a finite best margin")
    m = torch.linspace(0, 12, 241, dtype=torch.float64)  # logits (m, 0, 0): the true class m ahead
    z = torch.stack([m, torch.zeros_like(m), torch.zeros_like(m)], dim=1)  # (241, K)
    y = torch.zeros(len(m), dtype=torch.long)
    plain = F.cross_entropy(z, y, reduction="none")
    smooth = F.cross_entropy(z, y, label_smoothing=eps, reduction="none")
    best = math.log((1 - eps + eps / K) / (eps / K)) if eps > 0 else math.inf
    s.plot("loss against the margin m of the true logit", m[::10], one_hot=plain[::10], smoothed=smooth[::10])
    s.note(
        "One-hot targets: the loss falls forever as the margin grows, so on separable data the weights "
        "grow without bound. Smoothed: softmax(z) = q is the minimum, a margin of "
        f"log((1 - eps + eps / K) / (eps / K)) = {best:.3f}; past it the loss rises again."
    )
    s.scalar("best margin by formula", best)
    if eps > 0:
        r.check_close(
            "the grid's minimum is the formula's margin (to the grid step 0.05)",
            float(m[smooth.argmin()]),
            min(best, 12.0),
            atol=0.05,
            kind="reference",
        )
    r.check("one-hot loss falls all along the grid", bool((plain.diff() < 0).all()), "", kind="property")


def data(n: int, means):
    import torch

    y = torch.arange(n) % K  # (n,) balanced classes
    return means[y] + torch.randn(n, D, dtype=torch.float64), y


def overconfidence(r: Report, eps: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section(f"held-out confidence: {N} training points, {D} features")
    means = 0.3 * torch.randn(K, D, dtype=torch.float64)  # (K, D) class centres, close together
    (X, y), (Xt, yt) = data(N, means), data(HELD_OUT, means)
    rows, stats = [], {}
    for name, e in (("one-hot", 0.0), (f"smoothed, eps {eps:g}", eps)):
        W, b = fit_softmax(X, (1 - e) * F.one_hot(y, K).double() + e / K, STEPS, LR)
        z = Xt @ W + b  # (HELD_OUT, K) held-out logits
        p = z.softmax(dim=1)
        acc, conf = float((p.argmax(1) == yt).double().mean()), float(p.max(1).values.mean())
        stats[e] = float(z.norm(dim=1).mean()), conf
        rows.append([name, float(z.norm(dim=1).mean()), conf, acc, conf - acc, ece(p, yt)])
    s.table(["targets", "mean |logits|", "mean confidence", "accuracy", "confidence - accuracy", "ECE"], rows)
    s.note(
        f"The same linear softmax classifier, {STEPS} full-batch gradient steps, on {D} features and "
        f"only {N} points (separable: one-hot training pushes the logits up). Held out: {HELD_OUT} new "
        "points. Smoothing keeps the logits smaller and the confidence closer to the accuracy; it is "
        "a regularizer of the outputs, and it need not raise accuracy."
    )
    (norm0, conf0), (norm1, conf1) = stats[0.0], stats[eps]
    r.effect(
        "smoothing shrinks the held-out logits (< 0.7x)", norm1 < 0.7 * norm0, f"{norm1:.2f} vs {norm0:.2f}"
    )
    r.effect(
        "smoothing lowers the held-out mean confidence by > 0.05",
        conf1 < conf0 - 0.05,
        f"{conf1:.3f} vs {conf0:.3f}",
    )
