"""Softmax: exp / sum computed stably, temperature, its sigmoid special case, and the gradient p - y."""

from __future__ import annotations

from mlterms.demos.hand.activations import softmax, softmax_naive
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Softmax turns a vector of logits into probabilities, exp(z_i) / sum_j exp(z_j): each "
    "positive, together summing to one, in the logits' order; with temperature, softmax(z / T).",
    params=[
        Param("T", "float", 1.0, "temperature: softmax(z / T)", min=0.1, max=10.0),
        Param("classes", "int", 4, "K, logits per example", min=2, max=10),
    ],
)
def run(r: Report, *, T: float, classes: int) -> None:
    import torch

    s = r.section("exp / sum, by hand")
    z = torch.randn(3, classes, dtype=torch.float64)  # (N, K) logits
    p = softmax(z, T)  # (N, K)
    s.tensor("logits z (N, K)", z)
    s.tensor(f"softmax(z / T), T = {T:g}", p)
    s.note(
        "Each class gets a probability in (0, 1) and each row SUMS to 1 (they are not each 1). The "
        "biggest logit gets the biggest probability: the order never changes."
    )
    r.check_close("by hand == torch.softmax(z / T)", p, torch.softmax(z / T, dim=-1), atol=1e-12)
    r.check_close(
        "each row sums to 1", p.sum(-1), torch.ones(3, dtype=torch.float64), atol=1e-12, kind="property"
    )
    r.check_equal(
        "the argmax is the logits' argmax", p.argmax(-1).tolist(), z.argmax(-1).tolist(), kind="property"
    )
    r.exercise(
        "largest-prob",
        "softmax(z / T) of these logits: what is the largest probability?",
        p[0].max(),
        given={"logits": z[0], "T": T},
        tolerance=1e-3,
    )
    stability(r, z, T)
    temperature(r, T)
    gradient(r, z, T)


def stability(r: Report, z, T: float) -> None:
    import torch

    s = r.section("why subtract the max: large logits")
    big = torch.tensor([1000.0, 1001.0, 1002.0])  # float32
    s.tensor("logits (float32)", big)
    s.tensor("naive exp(z) / sum", softmax_naive(big))
    s.tensor("stable exp(z - max) / sum", softmax(big))
    s.note(
        "exp(1000) is inf in float32 (and in float64 above ~709), so inf / inf = nan. Softmax does not "
        "change when the same number is subtracted from every logit, so subtract the max: the biggest "
        "exponent becomes e^0 = 1 and nothing overflows."
    )
    r.check_close(
        "stable by hand == torch.softmax on large logits", softmax(big), torch.softmax(big, -1), atol=1e-6
    )
    r.check_close(
        "softmax(z + 100) == softmax(z)", softmax(z + 100, T), softmax(z, T), atol=1e-12, kind="property"
    )
    two = torch.tensor([z[0, 0].item(), z[0, 1].item()], dtype=torch.float64)
    s.note(
        "With two classes softmax is the sigmoid of the difference: softmax([a, b])_0 = sigmoid((a - b) / T)."
    )
    r.check_close(
        "softmax([a, b])_0 == sigmoid((a - b) / T)",
        softmax(two, T)[0],
        torch.sigmoid((two[0] - two[1]) / T),
        atol=1e-12,
    )


def temperature(r: Report, T: float) -> None:
    import torch

    s = r.section("temperature: softmax(z / T)")
    z3 = torch.tensor([2.0, 1.0, 0.1], dtype=torch.float64)
    temps = sorted({0.5, 1.0, 2.0, T})
    rows, top = [], []
    for t in temps:
        q = softmax(z3, t)
        rows.append([t, *q.tolist(), -(q * q.log()).sum()])
        top.append(q.max().item())
    s.table(["T", "p(class 0)", "p(class 1)", "p(class 2)", "entropy"], rows, title="logits [2.0, 1.0, 0.1]")
    s.note(
        "Dividing by T < 1 stretches the gaps between logits: sharper, toward one-hot as T -> 0. T > 1 "
        "shrinks them: flatter, toward uniform (1/3 each) as T -> inf. The order stays the same."
    )
    falling = all(a > b for a, b in zip(top, top[1:], strict=False))
    r.check("higher T, lower top probability", falling, str([round(t, 3) for t in top]), kind="property")


def gradient(r: Report, z, T: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("softmax + cross-entropy: the gradient is (p - y) / T")
    N, K = z.shape
    y = torch.randint(0, K, (N,))  # (N,) class ids
    zl = z.clone().requires_grad_()
    F.cross_entropy(zl / T, y, reduction="sum").backward()
    p = softmax(z, T)
    by_hand = (p - F.one_hot(y, K).double()) / T  # (N, K)
    s.tensor("labels y", y)
    s.tensor("(p - one_hot(y)) / T", by_hand)
    s.note(
        "The loss -log p_y has the gradient p - y with respect to the scaled logits z / T: every wrong "
        "class is pushed down by its probability, the right one up by 1 - p_y. Dividing by T scales "
        "the gradient by 1/T. That simple gradient is one reason F.cross_entropy takes logits and fuses "
        "log-softmax with the loss (the other: log of a softmax that underflowed to 0 would be -inf)."
    )
    r.check_close("(p - y) / T == autograd of F.cross_entropy", by_hand, zl.grad, atol=1e-10)
    eps = 1e-6
    fd = torch.zeros_like(z)
    for i in range(N):
        for j in range(K):
            up, down = z.clone(), z.clone()
            up[i, j] += eps
            down[i, j] -= eps
            loss_up = F.cross_entropy(up / T, y, reduction="sum")
            fd[i, j] = (loss_up - F.cross_entropy(down / T, y, reduction="sum")) / (2 * eps)
    r.check_close("(p - y) / T == central finite differences", by_hand, fd, atol=1e-5)
    r.exercise(
        "grad-true-class",
        "Cross-entropy of softmax(z / T) against label y: what is the gradient on the true class's logit?",
        by_hand[0, y[0]],
        given={"logits": z[0], "label": int(y[0]), "T": T},
        tolerance=1e-3,
    )
