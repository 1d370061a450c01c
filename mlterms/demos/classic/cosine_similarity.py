"""Cosine similarity: the cosine of the angle between two vectors, blind to their lengths."""

from __future__ import annotations

from mlterms.demos.hand.encodings import cosine
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D = 16
TOPICS = 8
DOCS = 2  # per topic
QUERIES = 25  # per topic, held out


@demo(
    summary="Cosine similarity: cos(u, v) = u.v / (|u| |v|), the cosine of the angle between two "
    "vectors: 1 for the same direction, 0 orthogonal, -1 opposite, whatever their lengths.",
    params=[
        Param(
            "spread",
            "float",
            1.0,
            "sd of log(document length): how unequal the lengths are",
            min=0.0,
            max=2.0,
        ),
        Param(
            "noise",
            "float",
            0.6,
            "noise around each topic's direction (per dimension, relative)",
            min=0.0,
            max=1.0,
        ),
    ],
)
def run(r: Report, *, spread: float, noise: float) -> None:
    import torch

    formula(r)
    retrieval(r, spread, noise)
    u, v = torch.ones(3), torch.ones(3)
    for _ in range(50):  # small integer vectors, neither zero nor orthogonal (cos 0 teaches little)
        u, v = torch.randint(-3, 4, (2, 3)).double()
        if u.abs().sum() and v.abs().sum() and (u @ v).abs() > 0:
            break
    r.exercise(
        "cosine-of-two",
        "What is the cosine similarity of u and v?",
        cosine(u[None], v[None])[0, 0],
        given={"u": u, "v": v},
        tolerance=1e-3,
    )
    r.exercise(
        "scaled-by-minus-three",
        "And of (-3 u) and v?",
        cosine(-3 * u[None], v[None])[0, 0],
        given={"u": u, "v": v},
        tolerance=1e-3,
    )


def formula(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("what it computes: u.v / (|u| |v|)")
    a = torch.randn(4, 3, dtype=torch.float64)  # (N, D)
    b = torch.randn(5, 3, dtype=torch.float64)  # (M, D)
    sim = cosine(a, b)  # (N, M)
    s.tensor("a (4 vectors)", a)
    s.tensor("b (5 vectors)", b)
    s.tensor("cos(a_i, b_j)", sim)
    s.note(
        "Dividing by both lengths leaves only the angle. Equivalently, normalise each vector to length "
        "1 and take the plain dot product: that is how embedding search computes it for many vectors "
        "at once. For unit vectors, |u - v|^2 = 2 - 2 cos(u, v), so ranking by cosine and by "
        "Euclidean distance agree once lengths are removed."
    )
    ref = F.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1)  # (N, M) by broadcasting
    r.check_close("by hand == F.cosine_similarity", sim, ref, atol=1e-12)
    na, nb = F.normalize(a, dim=1), F.normalize(b, dim=1)
    r.check_close("== dot products of F.normalize'd vectors", sim, na @ nb.T, atol=1e-12)
    r.check("within [-1, 1] (Cauchy-Schwarz)", bool((sim.abs() <= 1 + 1e-12).all()), kind="property")
    c = torch.rand(4, 1, dtype=torch.float64) * 10 + 0.1  # (N, 1) positive scales
    r.check_close(
        "scale invariance: cos(c a, b) == cos(a, b) for c > 0", cosine(c * a, b), sim, 1e-12, kind="property"
    )
    r.check_close("sign: cos(-a, b) == -cos(a, b)", cosine(-a, b), -sim, 1e-12, kind="property")
    dist2 = ((na[:, None, :] - nb[None, :, :]) ** 2).sum(-1)  # (N, M)
    r.check_close("|a/|a| - b/|b||^2 == 2 - 2 cos", dist2, 2 - 2 * sim, 1e-12, kind="property")


def retrieval(r: Report, spread: float, noise: float) -> None:
    import torch

    s = r.section("why it matters: finding the same topic among documents of unequal length")
    topics = torch.nn.functional.normalize(torch.randn(TOPICS, D, dtype=torch.float64), dim=1)  # (T, D)

    def sample(per_topic: int):
        label = torch.arange(TOPICS).repeat_interleave(per_topic)
        x = topics[label] + noise * torch.randn(len(label), D, dtype=torch.float64) / D**0.5
        length = torch.exp(spread * torch.randn(len(label), 1, dtype=torch.float64))  # long and short
        return x * length, label

    docs, doc_topic = sample(DOCS)
    queries, query_topic = sample(QUERIES)
    scores = {
        "cosine": cosine(queries, docs),
        "dot product": queries @ docs.T,
        "-Euclidean distance": -torch.cdist(queries, docs),
    }
    hits = {
        name: float((doc_topic[sc.argmax(1)] == query_topic).double().mean()) for name, sc in scores.items()
    }
    s.table(["score", "top-1 same topic (held-out queries)"], [[name, hit] for name, hit in hits.items()])
    lengths = docs.norm(dim=1)
    s.scalar("document lengths: longest / shortest", lengths.max() / lengths.min())
    s.note(
        f"{TOPICS} topics, {DOCS} documents each; each of {TOPICS * QUERIES} new queries asks for a "
        "document of its own topic. Documents and queries are scaled by exp(spread * N(0, 1)), as "
        "long and short texts are. The dot product favours long documents whatever they are about; "
        "Euclidean distance favours documents about as long as the query. Cosine sees only the "
        "direction. With spread 0 the three nearly agree."
    )
    r.effect(
        "cosine finds the topic more often than the dot product (+0.1)",
        hits["cosine"] > hits["dot product"] + 0.1,
        f"{hits['cosine']:.3f} vs {hits['dot product']:.3f}",
    )
    r.effect(
        "cosine finds the topic more often than Euclidean distance (+0.05)",
        hits["cosine"] > hits["-Euclidean distance"] + 0.05,
        f"{hits['cosine']:.3f} vs {hits['-Euclidean distance']:.3f}",
    )
