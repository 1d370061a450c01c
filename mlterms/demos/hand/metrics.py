"""Evaluation by hand: confusion counts, precision and recall, the ROC curve and its area,
calibration bins, k-fold splits, and a small logistic regression to evaluate (torch passed in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def confusion_matrix(y: torch.Tensor, pred: torch.Tensor, classes: int) -> torch.Tensor:
    """(C, C) counts: row = true class, column = predicted class; from (N,) integer labels."""
    import torch.nn.functional as F

    return F.one_hot(y, classes).T @ F.one_hot(pred, classes)  # (C, N) @ (N, C)


def binary_counts(y: torch.Tensor, pred: torch.Tensor) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) of 0/1 labels and 0/1 predictions, read off the 2x2 confusion matrix."""
    cm = confusion_matrix(y.long(), pred.long(), 2)
    return int(cm[1, 1]), int(cm[0, 1]), int(cm[1, 0]), int(cm[0, 0])


def ratio(a: float, b: float) -> float:
    """a / b, and 0 for 0 / 0 (a precision with no predicted positives, say)."""
    return a / b if b else 0.0


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """TP / (TP + FP), TP / (TP + FN), and F1 = 2 TP / (2 TP + FP + FN)."""
    return ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)


def at_threshold(scores: torch.Tensor, y: torch.Tensor, t: float) -> tuple[float, float, float]:
    """Precision, recall and F1 when `score >= t` is called positive."""
    tp, fp, fn, _ = binary_counts(y, scores >= t)
    return precision_recall_f1(tp, fp, fn)


def roc_points(scores: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(FPR, TPR, thresholds) of `score >= t` for t at every distinct score, highest first,
    after the point (0, 0) of t = +inf: sort once, then running counts of positives and negatives."""
    import torch

    order = torch.argsort(scores, descending=True)
    s, hit = scores[order], y[order].double()  # (N,) each
    tp, fp = torch.cumsum(hit, 0), torch.cumsum(1 - hit, 0)  # positives called at each cut
    last = torch.ones_like(s, dtype=torch.bool)
    last[:-1] = s[1:] != s[:-1]  # tied scores move together: keep the last of each run
    zero = torch.zeros(1, dtype=torch.float64)
    fpr = torch.cat([zero, fp[last] / fp[-1]])
    tpr = torch.cat([zero, tp[last] / tp[-1]])
    return fpr, tpr, torch.cat([torch.tensor([float("inf")], dtype=s.dtype), s[last]])


def trapezoid(x: torch.Tensor, y: torch.Tensor) -> float:
    """The area under the polyline through (x, y): sum of (x1 - x0) (y0 + y1) / 2."""
    return float(((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2).sum())


def pairwise_auc(scores: torch.Tensor, y: torch.Tensor) -> float:
    """P(a random positive scores above a random negative), ties counted 1/2, over all pairs."""
    pos, neg = scores[y == 1], scores[y == 0]
    diff = pos[:, None] - neg[None, :]  # (P, N)
    return float(((diff > 0).double() + 0.5 * (diff == 0).double()).mean())


def reliability(probs: torch.Tensor, y: torch.Tensor, bins: int) -> tuple[list[list[float]], float]:
    """Equal-width bins of predicted P(y = 1): rows [low, high, count, mean predicted, fraction
    positive] of the non-empty bins, and ECE = sum over bins of count / N * |predicted - observed|."""
    import torch

    which = torch.clamp((probs * bins).long(), max=bins - 1)  # (N,) bin of each prediction
    rows, ece = [], 0.0
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        if count:
            conf, freq = float(probs[inside].mean()), float(y[inside].double().mean())
            rows.append([b / bins, (b + 1) / bins, count, conf, freq])
            ece += count / len(probs) * abs(conf - freq)
    return rows, ece


def kfold(n: int, k: int, generator: torch.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """k (train indices, validation indices) pairs: shuffle 0..n-1 once, cut it into k near-equal
    folds, and hold out each fold in turn."""
    import torch

    folds = torch.tensor_split(torch.randperm(n, generator=generator), k)
    return [(torch.cat([f for j, f in enumerate(folds) if j != i]), folds[i]) for i in range(k)]


def blobs(n: int, d: int, sep: float, prevalence: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """n points in d dimensions: y ~ Bernoulli(prevalence), x ~ N(0, I) shifted by `sep` along the
    first axis when y = 1. Returns X (n, d) float64 and y (n,) int64."""
    import torch

    y = (torch.rand(n) < prevalence).long()
    X = torch.randn(n, d, dtype=torch.float64)
    X[:, 0] += sep * y
    return X, y


def logistic_fit(
    X: torch.Tensor,
    y: torch.Tensor,
    lam: float = 1e-3,
    steps: int = 12,
    pos_weight: float = 1.0,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Weights (..., d + 1) of L2-regularised logistic regression (the last is the bias), by Newton's
    method on the mean of BCE (each positive's term times pos_weight) + lam/2 ||w||^2, bias
    unpenalised. X (..., N, d), y (..., N); batch dimensions fit independent models, and `mask`
    (..., N) of 0/1 keeps only some examples in each fit (the mean is over those)."""
    import torch

    ones = torch.ones(*X.shape[:-1], 1, dtype=X.dtype)
    A = torch.cat([X, ones], -1)  # (..., N, d + 1)
    yf = y.to(X.dtype)
    c = 1 + (pos_weight - 1) * yf  # (..., N) weight of each example's loss
    if mask is not None:
        c = c * mask.to(X.dtype)
    count = (torch.ones_like(yf) if mask is None else mask.to(X.dtype)).sum(-1, keepdim=True)  # (..., 1)
    w = torch.zeros(*A.shape[:-2], A.shape[-1], dtype=X.dtype)
    penalty = torch.full((A.shape[-1],), lam, dtype=X.dtype)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = torch.sigmoid((A @ w[..., None])[..., 0])  # (..., N)
        grad = (A.mT @ (c * (p - yf))[..., None])[..., 0] / count + penalty * w
        hess = (A.mT * (c * p * (1 - p))[..., None, :]) @ A / count[..., None] + torch.diag(penalty + 1e-9)
        w = w - torch.linalg.solve(hess, grad)
    return w


def logits_of(w: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """(..., N) logits X w[:-1] + w[-1] of a logistic_fit (batched like it)."""
    return (X @ w[..., :-1, None])[..., 0] + w[..., -1:]


def gaussian_scores(n: int, mu: float, prevalence: float) -> tuple[torch.Tensor, torch.Tensor]:
    """A scorer's outputs on n examples: y ~ Bernoulli(prevalence), score ~ N(mu y, 1).
    Returns scores (n,) float64 and labels (n,) int64."""
    import torch

    y = (torch.rand(n) < prevalence).long()
    return torch.randn(n, dtype=torch.float64) + mu * y, y


def normal_tail(z: float) -> float:
    """P(N(0, 1) >= z): with scores N(m, 1), the share at or above a threshold t is normal_tail(t - m)."""
    import math

    return 0.5 * math.erfc(z / math.sqrt(2))


def linear_accuracy(w: torch.Tensor, sep: float, prevalence: float = 0.5) -> float:
    """The exact accuracy of `logits_of(w, x) >= 0` on blobs(sep, prevalence): the logit is
    N(w0 sep y + b, |w|^2) within each class, so P(right) = pi Phi((w0 sep + b) / |w|) + (1 - pi) Phi(-b / |w|)."""
    norm, w0, b = float(w[:-1].norm()), float(w[0]), float(w[-1])
    return prevalence * (1 - normal_tail((w0 * sep + b) / norm)) + (1 - prevalence) * normal_tail(b / norm)
