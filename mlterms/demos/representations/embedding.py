"""Embedding: what training puts into the vectors. Items that occur in the same contexts end up
with a high cosine similarity, even pairs never seen together (held out)."""

from __future__ import annotations

from mlterms.demos.hand.encodings import cosine, lookup, one_hot
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

GROUPS = {
    "fruit": ["apple", "pear", "plum", "fig", "kiwi", "lime"],
    "animal": ["cat", "dog", "cow", "goat", "hen", "pig"],
    "color": ["red", "blue", "green", "pink", "gray", "teal"],
    "tool": ["saw", "drill", "hammer", "file", "axe", "awl"],
}
ITEMS = [w for ws in GROUPS.values() for w in ws]
PER_GROUP = 6
TRAIN_PAIRS = 9  # of the 15 pairs within a group, these are seen together; the other 6 are held out
LR = 2.0


def co_occurrence():
    """Pairs (a, b) of item ids seen together, (P, 2) both ways round; held-out same-group pairs (H, 2);
    and the group of every item (V,)."""
    import torch

    train, held = [], []
    for g in range(len(GROUPS)):
        pairs = [
            (g * PER_GROUP + i, g * PER_GROUP + j) for i in range(PER_GROUP) for j in range(i + 1, PER_GROUP)
        ]
        order = torch.randperm(len(pairs)).tolist()
        train += [pairs[i] for i in order[:TRAIN_PAIRS]]
        held += [pairs[i] for i in order[TRAIN_PAIRS:]]
    seen = torch.tensor(train)
    group = torch.arange(len(ITEMS)) // PER_GROUP
    return torch.cat([seen, seen.flip(1)]), torch.tensor(held), group


def loss_and_grads(E, C, pairs):
    """Skip-gram style: predict item b from item a with a softmax over all items, gradients by hand.

    logits = E[a] C^T (P, V); loss = mean over pairs of logsumexp(logits) - logits[b];
    d loss / d logits = (softmax(logits) - one_hot(b)) / P, then back through the lookup and C."""
    import torch

    a, b = pairs[:, 0], pairs[:, 1]
    logits = E[a] @ C.T  # (P, V): a row lookup per pair
    loss = (logits.logsumexp(dim=1) - logits.gather(1, b[:, None])[:, 0]).mean()
    g = logits.softmax(dim=1)
    g[torch.arange(len(b)), b] -= 1.0
    g /= len(b)  # (P, V)
    gC = g.T @ E[a]  # (V, D)
    gE = torch.zeros_like(E).index_add_(0, a, g @ C)  # (V, D): each pair adds to its item's row
    return loss, gE, gC


@demo(
    summary="An embedding is a dense vector that stands for a discrete thing, learned so that similar "
    "things end up close together, eg by cosine similarity: here items that share contexts, including "
    "held-out pairs never seen together, and far fewer numbers than a one-hot vector.",
    params=[
        Param("dim", "int", 8, "D, numbers per embedding", min=2, max=16),
        Param("steps", "int", 150, "full-batch gradient descent steps", min=0, max=400),
    ],
)
def run(r: Report, *, dim: int, steps: int) -> None:
    import torch

    pairs, held, group = co_occurrence()
    V = len(ITEMS)
    E = 0.3 * torch.randn(V, dim, dtype=torch.float64)  # (V, D) the embeddings
    C = 0.3 * torch.randn(V, dim, dtype=torch.float64)  # (V, D) context vectors
    table(r, E, pairs, held)
    before = similarity(E, held, group)
    losses = train(r, E, C, pairs, steps)
    after = similarity(E, held, group)
    learned(r, E, before, after, losses, held, group)


def table(r: Report, E, pairs, held) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("an embedding is a row of a table: E[id] == one_hot(id) @ E")
    ids = torch.tensor([0, 7, 13])
    s.tensor(f"E[[apple, dog, blue]] (3, D={E.shape[1]})", lookup(E, ids))
    r.check_close("row lookup by hand == F.embedding", lookup(E, ids), F.embedding(ids, E), atol=0)
    r.check_close("one_hot(ids) @ E == F.embedding", one_hot(ids, len(ITEMS)) @ E, F.embedding(ids, E), 1e-15)
    s.note(
        f"{len(ITEMS)} items, each a row of D = {E.shape[1]} numbers, against {len(ITEMS)} for a one-hot "
        "vector (the glossary's example: 12 numbers instead of 73,000). How the lookup works, and why it "
        "skips the zeros, is the `embedding layer` demo; this one is about what the numbers come to mean."
    )
    s = r.section("the task: predict which items occur together")
    fruit = range(PER_GROUP)  # the first group's items

    def partners(among, i):
        return ", ".join(ITEMS[b if a == i else a] for a, b in among.tolist() if i in (a, b))

    seen = pairs[: len(pairs) // 2]  # each pair once
    s.table(
        ["item", "seen together with (training)", "never seen with (held out)"],
        [[ITEMS[i], partners(seen, i), partners(held, i)] for i in fruit],
        title="the fruit group",
    )
    s.note(
        f"Within each group of {PER_GROUP}, {TRAIN_PAIRS} of the 15 pairs occur together in the training "
        "data; the other 6 never do. Items of different groups never occur together. Nothing tells the "
        "model what the groups are."
    )


def train(r: Report, E, C, pairs, steps: int) -> list[float]:
    import torch
    import torch.nn.functional as F

    s = r.section("training: full-batch gradient descent on the co-occurrences")
    E0, C0 = E.clone().requires_grad_(), C.clone().requires_grad_()
    F.cross_entropy(F.embedding(pairs[:, 0], E0) @ C0.T, pairs[:, 1]).backward()
    _, gE, gC = loss_and_grads(E, C, pairs)
    r.check_close(
        "gradients by hand (softmax - one-hot, back through the lookup) == autograd",
        torch.cat([gE, gC]),
        torch.cat([E0.grad, C0.grad]),
        1e-12,
    )
    losses = []
    for _ in range(steps):
        loss, gE, gC = loss_and_grads(E, C, pairs)
        E -= LR * gE
        C -= LR * gC
        losses.append(float(loss))
    final = loss_and_grads(E, C, pairs)[0]
    ref = F.cross_entropy(F.embedding(pairs[:, 0], E) @ C.T, pairs[:, 1])
    r.check_close("training loss by hand (logsumexp - picked) == F.cross_entropy", final, ref, 1e-12)
    losses.append(float(final))
    if steps:
        s.plot("training loss", list(range(0, steps + 1, 5)), loss=losses[::5])
    s.table(["", "loss"], [["at the start", losses[0]], [f"after {steps} steps", losses[-1]]])
    s.note(
        "Each item occurs with several others of its group, so the loss cannot reach 0: its floor is the "
        "entropy of those choices. What the vectors must do to get near it is what matters."
    )
    return losses


def similarity(E, held, group) -> dict[str, float]:
    """Mean cosine of held-out same-group pairs and of different-group pairs; nearest neighbours."""
    import torch

    cos = cosine(E, E)  # (V, V)
    different = group[:, None] != group[None, :]
    nearest = cos.masked_fill(torch.eye(len(E), dtype=torch.bool), -2).argmax(1)  # (V,)
    return {
        "held out, same group": float(cos[held[:, 0], held[:, 1]].mean()),
        "different groups": float(cos[different].mean()),
        "nearest neighbour in the same group": float((group[nearest] == group).double().mean()),
    }


def learned(r: Report, E, before, after, losses, held, group) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("after training: similar items are close, even pairs never seen together")
    cos = cosine(E, E)  # (V, V)
    r.check_close(
        "cosine by hand == F.cosine_similarity", cos[0], F.cosine_similarity(E[:1], E, dim=1), 1e-12
    )
    G = len(GROUPS)
    other = ~torch.eye(len(E), dtype=torch.bool)  # leave out each item's cosine with itself (1)
    by_group = torch.stack(
        [
            cos[group == a][:, group == b][other[group == a][:, group == b]].mean()
            for a in range(G)
            for b in range(G)
        ]
    )
    s.heatmap("mean cosine between the groups' items", by_group.reshape(G, G), list(GROUPS), list(GROUPS))
    s.table(["", "at the start", "after training"], [[k, before[k], after[k]] for k in before])
    for name, ids in [("apple", 0), ("cat", 6)]:
        top = cos[ids].argsort(descending=True)[1:4].tolist()
        s.scalar(
            f"nearest to {name} by cosine", ", ".join(f"{ITEMS[j]} {float(cos[ids, j]):.2f}" for j in top)
        )
    s.note(
        "Items that predict the same neighbours get pushed toward the same direction, so two fruits that "
        "never occurred together still end up close: they share other fruits as context. That is the "
        "sense in which an embedding is learned 'so that similar things end up close together'. "
        "One-hot vectors are all orthogonal (cosine 0): they say nothing about similarity."
    )
    r.check("the training loss fell", losses[-1] < losses[0] or len(losses) == 1, kind="property")
    gap, gap0 = (
        after["held out, same group"] - after["different groups"],
        before["held out, same group"] - before["different groups"],
    )
    r.effect(
        "held-out same-group pairs are far more similar than different-group pairs (and than at the start)",
        gap > 0.5 and gap > gap0 + 0.4,
        f"gap {gap:.2f} (at the start {gap0:.2f})",
    )
    r.effect(
        "nearly every item's nearest neighbour (by cosine) is in its own group",
        after["nearest neighbour in the same group"] >= 0.9,
        f"{after['nearest neighbour in the same group']:.2f} >= 0.9, at the start "
        f"{before['nearest neighbour in the same group']:.2f}",
    )
    a, b = E[0, :4], E[1, :4]
    r.exercise(
        "cosine",
        "What is the cosine similarity of these two vectors?",
        torch.dot(a, b) / (a.norm() * b.norm()),
        given={"u": a, "v": b},
        tolerance=1e-3,
    )
    r.exercise(
        "lookup-shape",
        "Token ids of shape (B, T) looked up in an embedding table (V, D): what shape comes out?",
        (4, 10, E.shape[1]),
        given={"ids shape": (4, 10), "table shape": tuple(E.shape)},
    )
