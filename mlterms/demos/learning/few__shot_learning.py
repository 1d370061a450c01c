"""Few-shot learning: new classes from k examples each, by the nearest class mean (prototype) in an
embedding learned beforehand on other classes."""

from __future__ import annotations

from mlterms.demos.hand.learning import accuracy, class_means, observe, one_hot, ridge, with_bias
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

BASE, WAYS, SIGNAL, DIM = 16, 5, 4, 12
EPISODES, QUERIES = 20, 10  # few-shot tasks averaged, and queries per class in each
CODE = 0.5  # spread of the class codes: close classes, so one noisy example is a poor summary


def episode(embed, rot, shots: int):
    """One few-shot task: WAYS new classes, `shots` labelled examples each, QUERIES queries each.
    Returns the accuracy of the nearest prototype in the embedding and in the raw input."""
    import torch

    codes = CODE * torch.randn(WAYS, SIGNAL, dtype=torch.float64)  # classes never seen before
    support, y_s = observe(codes, shots, rot)  # (WAYS * shots, 12)
    queries, y_q = observe(codes, QUERIES, rot)
    found = []
    for f in (embed, lambda v: v):
        protos = class_means(f(support), y_s, WAYS)  # (WAYS, E) one mean per new class
        found.append(accuracy(-torch.cdist(f(queries), protos), y_q))  # nearest prototype wins
    return found


@demo(
    summary="Few-shot learning learns new classes from a handful of labelled examples each (k shots); "
    "commonly, by comparing new inputs with the mean of each class's examples in an embedding learned "
    "beforehand on many other classes.",
    params=[Param("shots", "int", 5, "labelled examples per new class (1 is one-shot)", min=1, max=20)],
)
def run(r: Report, *, shots: int) -> None:
    import torch

    dt = torch.float64
    rot, _ = torch.linalg.qr(torch.randn(DIM, DIM, dtype=dt))  # (12, 12) hides the signal directions
    x_base, y_base = observe(CODE * torch.randn(BASE, SIGNAL, dtype=dt), 30, rot)  # (480, 12) base classes
    w = ridge(with_bias(x_base), one_hot(y_base, BASE, dt), 1.0)  # (13, 16) a head fitted to the base classes

    def embed(x):  # its 16 class scores serve as the embedding of any input: (N, 12) -> (N, 16)
        return with_bias(x) @ w

    s = r.section(f"1. an embedding from {BASE} base classes, then {WAYS}-way {shots}-shot tasks")
    s.note("The embedding is a linear head fitted (ridge, closed form) to 30 labelled examples of each of 16 base "
           "classes: its scores respond to the directions that tell classes apart and hardly to the nuisance. "
           f"Each new class is then summarised by the mean of its {shots} embedded examples (a prototype), and a "
           "query takes the label of the nearest prototype.")  # fmt: skip
    codes = CODE * torch.randn(WAYS, SIGNAL, dtype=dt)
    support, y_s = observe(codes, shots, rot)
    queries, _ = observe(codes, 2, rot)
    e_s, e_q = embed(support), embed(queries)  # (WAYS * shots, 16), (10, 16)
    protos = class_means(e_s, y_s, WAYS)  # (5, 16)
    r.check_close("prototypes by hand == torch.stack of each class's .mean(0)", protos,
                  torch.stack([e_s[y_s == c].mean(0) for c in range(WAYS)]), atol=1e-12)  # fmt: skip
    linear = e_q @ protos.T - 0.5 * (protos * protos).sum(1)  # (10, 5) w_c = mu_c, b_c = -|mu_c|^2 / 2
    half_sq = -0.5 * torch.cdist(e_q, protos) ** 2 + 0.5 * (e_q * e_q).sum(1, keepdim=True)
    r.check_close("nearest mean is a linear classifier: mu_c . x - |mu_c|^2 / 2 == -|x - mu_c|^2 / 2 + |x|^2 / 2 "
                  "(torch.cdist)", linear, half_sq, atol=1e-8)  # fmt: skip

    s = r.section(f"2. accuracy on held-out queries, mean of {EPISODES} tasks")
    results = {k: [episode(embed, rot, k) for _ in range(EPISODES)] for k in sorted({1, shots})}
    mean = {k: [sum(v[i] for v in runs) / EPISODES for i in range(2)] for k, runs in results.items()}
    s.table(["shots per class", "in the embedding", "in the raw input", "chance"],
            [[k, *mean[k], 1 / WAYS] for k in mean])  # fmt: skip
    s.note("One shot is one-shot learning: a single example stands for its class, noise and all. Averaging k "
           "examples cancels part of their noise, so the prototype sits nearer the class's true centre. Zero-shot "
           "learning goes further and uses no examples, only a description of each class.")  # fmt: skip
    r.effect("the embedding beats the raw input", mean[shots][0] > mean[shots][1],
             f"{mean[shots][0]:.2f} vs {mean[shots][1]:.2f}")  # fmt: skip
    r.effect(
        f"{shots} shots beat 1 shot",
        mean[shots][0] > mean[1][0] + 0.03,
        f"{mean[shots][0]:.2f} vs {mean[1][0]:.2f}",
    )
    pts = torch.round(torch.randn(3, 2) * 10) / 10
    r.exercise("prototype", "Three examples of one class, embedded: where is its prototype?", pts.mean(0),
               given={"examples": pts}, tolerance=1e-3)  # fmt: skip
    r.exercise("labelled-examples", "A 5-way k-shot task: how many labelled examples does the learner get?",
               WAYS * shots, given={"ways": WAYS, "shots": shots})  # fmt: skip
