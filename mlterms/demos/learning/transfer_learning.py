"""Transfer learning: a feature extractor trained on a source task, frozen, and a new head trained on a
few examples of the target task; against training from scratch and against an unrelated source."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.learning import observe
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

DIM, SIGNAL, HIDDEN = 12, 4, 8  # inputs, class-telling directions, features
SOURCE, WAYS = 16, 5  # source classes, target classes
STEPS, LR, EPISODES, QUERIES = 25, 0.1, 4, 40


def features(body, x):
    """The feature extractor, for B bodies at once: tanh(x W1^T + b1), x (B, N, 12) -> (B, N, 8)."""
    import torch

    w1, b1 = body  # (B, 8, 12), (B, 1, 8)
    return torch.tanh(x @ w1.transpose(1, 2) + b1)


def linear(layer, h):
    """B linear layers at once: h (B, N, F) -> h W^T + b (B, N, C)."""
    w, b = layer  # (B, C, F), (B, 1, C)
    return h @ w.transpose(1, 2) + b


def fresh(batch: int, rows: int, cols: int):
    """B new linear layers (W (B, rows, cols), b (B, 1, rows)) with PyTorch's default uniform init."""
    import torch

    bound = cols**-0.5
    shapes = ((batch, rows, cols), (batch, 1, rows))
    return [(bound * (2 * torch.rand(*shape, dtype=torch.float64) - 1)).requires_grad_() for shape in shapes]


def fit(params, forward, y, steps: int = STEPS) -> list[float]:
    """Adam on the cross-entropy of forward() (B, N, C) against y (B, N): B independent fits at once
    (their losses add up; Adam is elementwise, so each fit sees only its own gradient)."""
    import torch.nn.functional as F

    return fit_adam(params, lambda: F.cross_entropy(forward().transpose(1, 2), y, reduction="none").mean(1).sum(),
                    steps, LR)  # fmt: skip


def pretrain(rots):
    """One body per rotation, each trained with a throw-away head on 16 source classes (20 examples
    each) whose codes lie in the first 4 directions of its rotation. Returns the bodies, frozen."""
    import torch

    data = [observe(0.8 * torch.randn(SOURCE, SIGNAL, dtype=torch.float64), 20, rot) for rot in rots]
    x, y = torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data])  # (B, 320, 12), (B, 320)
    body, head = fresh(len(rots), HIDDEN, DIM), fresh(len(rots), SOURCE, HIDDEN)
    fit([*body, *head], lambda: linear(head, features(body, x)), y, 30)
    return [p.detach() for p in body]


def episodes(bodies, rot, shots: int, count: int) -> list[list[float]]:
    """`count` target tasks (5 new classes, `shots` examples each). For each: the held-out accuracy of a
    new head on each frozen body, then of a whole network trained from scratch on the same examples."""
    import torch

    tasks = []
    for _ in range(count):
        codes = 0.8 * torch.randn(WAYS, SIGNAL, dtype=torch.float64)
        tasks.append((observe(codes, shots, rot), observe(codes, QUERIES, rot)))
    x, y = torch.stack([t[0][0] for t in tasks]), torch.stack([t[0][1] for t in tasks])  # (E, n, 12), (E, n)
    x_test, y_test = torch.stack([t[1][0] for t in tasks]), torch.stack([t[1][1] for t in tasks])
    nb = len(bodies[0])  # B bodies, each under E new heads: (B * E) fits, body-major
    frozen = [p.repeat_interleave(count, 0) for p in bodies]  # (B * E, ...) each body once per task
    phi = features(frozen, x.repeat(nb, 1, 1))  # (B * E, n, 8), computed once: the bodies are frozen
    heads = fresh(nb * count, WAYS, HIDDEN)
    fit(heads, lambda: linear(heads, phi), y.repeat(nb, 1))
    scratch_body, scratch_head = fresh(count, HIDDEN, DIM), fresh(count, WAYS, HIDDEN)  # every weight trains
    fit([*scratch_body, *scratch_head], lambda: linear(scratch_head, features(scratch_body, x)), y)
    with torch.no_grad():
        transfer = linear(heads, features(frozen, x_test.repeat(nb, 1, 1))).argmax(-1) == y_test.repeat(nb, 1)
        scratch = linear(scratch_head, features(scratch_body, x_test)).argmax(-1) == y_test
    per_fit = transfer.double().mean(1).view(nb, count)  # (B, E)
    return [*per_fit.tolist(), scratch.double().mean(1).tolist()]


@demo(
    summary="Transfer learning reuses what a model learned on one task for another: commonly its layers, "
    "frozen, as a feature extractor under a new head trained on the new task's few examples.",
    params=[Param("shots", "int", 3, "labelled examples per target class", min=1, max=30)],
)
def run(r: Report, *, shots: int) -> None:
    import torch

    dt = torch.float64
    rot, _ = torch.linalg.qr(torch.randn(DIM, DIM, dtype=dt))  # (12, 12): where the target's classes differ
    elsewhere = torch.linalg.qr(torch.randn(DIM, DIM, dtype=dt))[0]  # an unrelated source's directions
    bodies = pretrain([rot, elsewhere])  # W1 (2, 8, 12), b1 (2, 1, 8): the related body, then the unrelated
    related = [p[:1] for p in bodies]

    s = r.section("1. what trains: a new head on a frozen feature extractor")
    head = fresh(1, WAYS, HIDDEN)
    whole = [*fresh(1, HIDDEN, DIM), *fresh(1, WAYS, HIDDEN)]
    counts = [sum(p.numel() for p in head), sum(p.numel() for p in whole)]
    s.table(["model", "trainable parameters"],
            [["new head on the frozen body", counts[0]], ["whole network from scratch", counts[1]]])  # fmt: skip
    r.check_equal("trainable parameters by formula (F + 1) C and (D + 1) F + (F + 1) C == numel of the tensors",
                  counts, [(HIDDEN + 1) * WAYS, (DIM + 1) * HIDDEN + (HIDDEN + 1) * WAYS], kind="reference")  # fmt: skip
    x, y = observe(0.8 * torch.randn(WAYS, SIGNAL, dtype=dt), shots, rot)
    x, y = x[None], y[None]  # one fit: (1, n, 12), (1, n)
    start = [p.detach().clone().requires_grad_() for p in head]
    cached = features(related, x)  # (1, n, 8)
    fit(head, lambda: linear(head, features(related, x)), y, 5)
    fit(start, lambda: linear(start, cached), y, 5)
    r.check_close("a head trained through the frozen body == one trained on its features computed once",
                  torch.cat([p.detach().flatten() for p in head]), torch.cat([p.detach().flatten() for p in start]),
                  atol=1e-12, kind="property")  # fmt: skip
    s.note("The body gets no gradient, so its features of the training examples never change: they can be "
           "computed once, and training the head is cheap (here a softmax regression on 8 features).")  # fmt: skip

    s = r.section(
        f"2. {WAYS} new classes, {shots} examples each: held-out accuracy, mean of {EPISODES} tasks"
    )
    mean = [sum(v) / EPISODES for v in episodes(bodies, rot, shots, EPISODES)]
    s.table(["model", "held-out accuracy"],
            [["head on a body from a related source", mean[0]], ["head on a body from an unrelated source", mean[1]],
             ["whole network from scratch", mean[2]], ["chance", 1 / WAYS]],
            title=f"{QUERIES} held-out examples per class")  # fmt: skip
    s.note("The related source's classes differ in the same directions as the target's, so its features keep "
           "those and drop the nuisance. The unrelated source's classes differ elsewhere: its features drop what "
           "the target needs, and transfer helps less. From scratch, a few examples cannot tell signal from noise. "
           "Pretraining is the first half of this; fine tuning would also train the body.")  # fmt: skip
    few = shots <= 5
    r.effect("transfer beats training from scratch on held-out data", mean[0] > mean[2] + 0.15,
             f"{mean[0]:.2f} vs {mean[2]:.2f}", asserted=few)  # fmt: skip
    r.effect("a related source transfers better than an unrelated one", mean[0] > mean[1] + 0.15,
             f"{mean[0]:.2f} vs {mean[1]:.2f}", asserted=few)  # fmt: skip
    r.exercise("head-parameters", "A frozen extractor gives F features; a new head for C classes (weights and biases) "
               "trains how many numbers?", (HIDDEN + 1) * WAYS, given={"F": HIDDEN, "C": WAYS})  # fmt: skip
