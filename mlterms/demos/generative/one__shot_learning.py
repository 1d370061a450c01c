"""One-shot learning: new classes from one example each, by nearest neighbour in an embedding
learned beforehand on other classes."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N_QUERY = 15  # queries per novel class


def cosine_by_hand(a, b):
    """Cosine similarity of every row of a (N, D) with every row of b (M, D): (N, M)."""
    dots = (a[:, None, :] * b[None, :, :]).sum(-1)  # (N, M)
    norms = (a * a).sum(-1).sqrt()[:, None] * (b * b).sum(-1).sqrt()[None, :]  # (N, M)
    return dots / norms


@demo(
    summary="One-shot learning learns a classifier for a new class from a single example; commonly, by "
    "nearest neighbour in an embedding learned beforehand on many other classes (cosine similarity here).",
    params=[Param("ways", "int", 5, "novel classes, one labelled example each", min=2, max=10)],
)
def run(r: Report, *, ways: int) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    rot, _ = torch.linalg.qr(torch.randn(8, 8))  # (8, 8) a random rotation hides which directions matter

    def observe(codes, per_class: int):
        """Samples of each class: its 4-d code plus small noise, and 4 dims of large irrelevant noise."""
        y = torch.arange(len(codes)).repeat_interleave(per_class)
        signal = codes[y] + 0.3 * torch.randn(len(y), 4)  # (n, 4) what identifies the class
        nuisance = 2.0 * torch.randn(len(y), 4)  # (n, 4) lighting, pose, ...: shared by all classes
        return torch.cat([signal, nuisance], 1) @ rot.T, y  # (n, 8)

    x_base, y_base = observe(torch.randn(16, 4), 20)  # (320, 8) MANY examples of 16 base classes
    embed = nn.Linear(8, 4, bias=False)  # x (8) -> embedding (4)
    head = nn.Linear(4, 16)  # used only to train the embedding, then thrown away
    losses = fit_adam(
        [*embed.parameters(), *head.parameters()],
        lambda: F.cross_entropy(head(embed(x_base)), y_base),
        60,
        0.08,
    )
    novel = torch.randn(ways, 4)  # classes never trained on
    support, _ = observe(novel, 1)  # (ways, 8): the single labelled example per class
    queries, y_q = observe(novel, N_QUERY)  # (ways * 15, 8)
    with torch.no_grad():
        e_s, e_q = embed(support).double(), embed(queries).double()  # (ways, 4), (n, 4)

    s = r.section("1. an embedding learned on other classes")
    s.note(
        "One-shot learning does not fit a classifier to one example from scratch: it reuses what was "
        "learned before. Here an embedding is trained on 16 base classes (20 examples each); it learns which "
        "directions tell classes apart and which are noise. The novel classes are never trained on. "
        "(Other ways exist: fine-tuning, meta-learning; with LLMs, one example in the prompt.)"
    )
    s.plot("base-class training loss", list(range(0, len(losses), 3)), loss=losses[::3])

    nearest_example(r, e_s, e_q, support, queries, y_q, ways)


def nearest_example(r: Report, e_s, e_q, support, queries, y_q, ways: int) -> None:
    """Section 2: label each query by its most similar support example, in the embedding and raw."""
    import torch.nn.functional as F

    s = r.section("2. classify by the nearest single example")
    s.note(
        f"cos(a, b) = a·b / (‖a‖ ‖b‖). Each query gets the label of the most similar support example: a "
        f"{ways}-way, 1-shot task with {N_QUERY} queries per class."
    )
    sims = cosine_by_hand(e_q, e_s)  # (n, ways)
    first = [int((y_q == c).nonzero()[0]) for c in range(ways)]  # one query of each class
    s.heatmap(
        "cosine similarity: one query per class vs the support examples",
        sims[first],
        rows=[f"query (class {c})" for c in range(ways)],
        cols=[f"support {c}" for c in range(ways)],
    )
    ref = F.cosine_similarity(e_q[:, None, :], e_s[None, :, :], dim=-1)  # (n, ways)
    r.check_close("cosine by hand == F.cosine_similarity", sims, ref, atol=1e-12)
    r.check("cosine similarities lie in [-1, 1]", bool((sims.abs() <= 1 + 1e-12).all()), kind="property")
    acc = float((sims.argmax(-1) == y_q).float().mean())
    raw = cosine_by_hand(queries.double(), support.double())
    acc_raw = float((raw.argmax(-1) == y_q).float().mean())
    s.table(
        ["compare in", "accuracy"],
        [["raw input (8 dims)", acc_raw], ["learned embedding (4 dims)", acc], ["chance", 1 / ways]],
        title=f"{len(y_q)} queries of {ways} unseen classes",
    )
    r.effect(
        "the embedding beats chance by far (> 2x)", acc > 2 / ways, f"{acc:.2f} vs chance {1 / ways:.2f}"
    )
    r.effect(
        "the learned embedding beats similarity in the raw input",
        acc > acc_raw,
        f"{acc:.2f} vs {acc_raw:.2f}",
    )
    r.exercise(
        "chance",
        "An n-way one-shot task: what accuracy does guessing at random get?",
        1 / ways,
        given={"n": ways},
        tolerance=1e-3,
    )
    r.exercise(
        "nearest",
        "These are one query's cosine similarities to the support examples 0..n-1: which class is predicted?",
        int(sims[first[0]].argmax()),
        given={"similarities": sims[first[0]]},
    )
