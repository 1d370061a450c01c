"""Mixup: train on convex mixtures of pairs of examples and of their one-hot labels."""

from __future__ import annotations

from mlterms.demos.hand.vision import ece, fit_softmax
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

K, D, N, HELD_OUT = 3, 100, 30, 1000  # classes, features, training and held-out examples
STEPS, LR = 100, 1.5


@demo(
    summary="Mixup trains on blends of two examples, x = lam x_i + (1 - lam) x_j with the same blend "
    "of their one-hot labels, lam ~ Beta(alpha, alpha), a new pair and lam at every step; the loss "
    "identity by hand against F.cross_entropy, and less overconfidence on held-out data.",
    params=[Param("alpha", "float", 0.4, "Beta(alpha, alpha) of the mixing weight lam", min=0.1, max=2.0)],
)
def run(r: Report, *, alpha: float) -> None:
    import numpy as np
    import torch

    rng = np.random.default_rng(int(torch.randint(0, 2**31, ())))  # Beta draws, seeded by the demo's seed
    pair(r, rng, alpha)
    weights(r, rng, alpha)
    calibration(r, rng, alpha)


def pair(r: Report, rng, alpha: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("one mixed example, and why the loss splits")
    lam = float(rng.beta(alpha, alpha))
    x1, x2 = torch.randn(4, dtype=torch.float64), torch.randn(4, dtype=torch.float64)  # (D,) two inputs
    y1, y2 = 0, 2
    t1, t2 = F.one_hot(torch.tensor(y1), K).double(), F.one_hot(torch.tensor(y2), K).double()
    x, t = lam * x1 + (1 - lam) * x2, lam * t1 + (1 - lam) * t2  # the mixed input and target
    z = torch.randn(1, K, dtype=torch.float64)  # logits of the model on x, whatever they are
    s.note(
        f"lam = {lam:.4f}: x = lam x1 + (1 - lam) x2 and t = lam onehot(y1) + (1 - lam) onehot(y2). "
        "Cross-entropy is linear in the target, so CE(z, t) = lam CE(z, y1) + (1 - lam) CE(z, y2): "
        "mixup code often keeps the hard labels and mixes the two losses instead."
    )
    s.tensor("x1", x1)
    s.tensor("x2", x2)
    s.tensor("mixed x", x)
    s.tensor("mixed target t", t)
    split = lam * F.cross_entropy(z, torch.tensor([y1])) + (1 - lam) * F.cross_entropy(z, torch.tensor([y2]))
    soft = -(t * z[0].log_softmax(dim=0)).sum()  # CE against the mixed target, by hand
    r.check_close(
        "CE against the mixed target by hand == F.cross_entropy(z, t)", soft, F.cross_entropy(z, t[None])
    )
    r.check_close(
        "lam CE(y1) + (1 - lam) CE(y2) == CE(mixed target)", split, soft, atol=1e-12, kind="property"
    )
    r.exercise(
        "mixed-target",
        "Mix a class-0 and a class-2 example (3 classes) with this lam: what is the target vector?",
        [round(v, 6) for v in t.tolist()],
        given={"lam": round(lam, 6), "y1": y1, "y2": y2, "K": K},
        tolerance=1e-3,
    )


def weights(r: Report, rng, alpha: float) -> None:
    import numpy as np

    s = r.section(f"how much mixing: lam ~ Beta({alpha:g}, {alpha:g})")
    lam = rng.beta(alpha, alpha, size=4000)
    counts, edges = np.histogram(lam, bins=5, range=(0, 1))
    s.table(
        ["lam in", "share of draws"],
        [[f"{a:.1f}-{b:.1f}", c / len(lam)] for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)],
    )
    s.note(
        "alpha < 1 puts most draws near 0 or 1 (mostly one example, a little of the other); alpha = 1 "
        "is uniform; larger alpha mixes evenly. The mean is 1/2 and the variance 1 / (4 (2 alpha + 1)) "
        "for every alpha."
    )
    var = 1 / (4 * (2 * alpha + 1))
    se = (var / len(lam)) ** 0.5
    r.check(
        "sample mean of lam within 4 standard errors of 1/2",
        abs(lam.mean() - 0.5) < 4 * se,
        f"{lam.mean():.4f}, SE {se:.4f}",
        kind="reference",
    )
    r.check(
        "sample variance within 10% of 1 / (4 (2 alpha + 1))",
        abs(lam.var() - var) < 0.1 * var,
        f"{lam.var():.4f} vs {var:.4f}",
        kind="reference",
    )


def data(n: int, means):
    import torch

    y = torch.arange(n) % K  # (n,) balanced classes
    return means[y] + torch.randn(n, D, dtype=torch.float64), y


def calibration(r: Report, rng, alpha: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section(f"held-out calibration: {N} training points, {D} features")
    means = 0.25 * torch.randn(K, D, dtype=torch.float64)  # (K, D) class centres, close together
    (X, y), (Xt, yt) = data(N, means), data(HELD_OUT, means)

    def mix(X, T):  # a fresh permutation and a fresh lam per example, every step
        lam = torch.from_numpy(rng.beta(alpha, alpha, size=(len(X), 1)))  # (N, 1)
        j = torch.randperm(len(X))
        return lam * X + (1 - lam) * X[j], lam * T + (1 - lam) * T[j]

    rows, gaps = [], []
    for name, m in (("plain", None), (f"mixup, alpha {alpha:g}", mix)):
        W, b = fit_softmax(X, F.one_hot(y, K).double(), STEPS, LR, mix=m)
        p = (Xt @ W + b).softmax(dim=1)  # (HELD_OUT, K)
        acc, conf = float((p.argmax(1) == yt).double().mean()), float(p.max(1).values.mean())
        gaps.append(conf - acc)
        rows.append([name, conf, acc, conf - acc, ece(p, yt)])
    s.table(["training", "mean confidence", "accuracy", "confidence - accuracy", "ECE"], rows)
    s.note(
        f"The same linear softmax classifier, {STEPS} full-batch gradient steps on {N} points with "
        f"{D} features, plain or on mixed batches. Plain training is overconfident on new points "
        "(confidence above accuracy); mixup's soft targets between classes keep the confidence closer "
        "to the accuracy. On this tiny linear problem it costs some accuracy; on image networks "
        "trained longer it is reported to help both."
    )
    r.effect(
        "mixup lowers held-out overconfidence (confidence - accuracy) by > 0.01",
        gaps[1] < gaps[0] - 0.01,
        f"{gaps[1]:.3f} vs {gaps[0]:.3f}",
    )
