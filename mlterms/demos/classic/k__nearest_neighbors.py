"""k-nearest neighbors: no training, just a vote among the k closest stored examples."""

from __future__ import annotations

from mlterms.demos.hand.classic import accuracy, blobs, knn_predict, squared_distances
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HELD_OUT = 100  # per blob
KS = (1, 3, 5, 9, 15, 31)


@demo(
    summary="k-nearest neighbors: keep the training set, and label a new point by a majority vote of "
    "the k training points closest to it; the boundary can bend any way the data does.",
    params=[
        Param("k", "int", 5, "neighbours that vote (odd avoids ties between two classes)", min=1, max=79),
        Param("n", "int", 20, "training points per blob (4 blobs)", min=10, max=100),
    ],
)
def run(r: Report, *, k: int, n: int) -> None:
    import torch

    # XOR: class 1 where x1 and x2 have the same sign. No straight line splits it.
    centers = torch.tensor([[-1.5, -1.5], [1.5, 1.5], [-1.5, 1.5], [1.5, -1.5]], dtype=torch.float64)
    x, blob = blobs(n, centers, 0.8)
    y = (blob < 2).long()  # (4 n,) blobs 0 and 1 are class 1
    hx, hblob = blobs(HELD_OUT, centers, 0.8)
    hy = (hblob < 2).long()
    k = min(k, len(x))  # more neighbours than points: everyone votes
    neighbours(r, x, y, hx, k)
    votes(r, x, y, hx, hy, k)
    tiny = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 3.0], [2.0, 2.5]], dtype=torch.float64)
    labels = torch.tensor([0, 1, 0, 1, 1])
    query = torch.randint(0, 4, (2,)).double()  # (2,)
    r.exercise(
        "vote-of-three",
        "Training points and labels as given. With k = 3 (Euclidean), which label does the query get?",
        knn_predict(tiny, labels, query[None], 3)[0],
        given={"points": tiny, "labels": labels, "query": query},
    )
    r.exercise(
        "k-equals-n",
        "With k equal to the whole training set, what does kNN predict for any query?",
        int(y.bincount(minlength=2).argmax()),
        given={"training label counts": y.bincount(minlength=2)},
    )


def neighbours(r: Report, x, y, hx, k: int) -> None:
    import torch

    s = r.section("what it computes: distances to every stored point, then a vote")
    s.note(
        f"{len(x)} training points in 4 blobs, labelled like XOR (class 1 where x1 and x2 share a "
        "sign). There is no training step: the model IS the training set. For a query, compute "
        "||query - x_i||^2 = |q|^2 - 2 q.x_i + |x_i|^2 to every x_i, keep the k smallest, vote."
    )
    s.scatter(
        "the training set (the whole model)",
        class_0=(x[y == 0, 0], x[y == 0, 1]),
        class_1=(x[y == 1, 0], x[y == 1, 1]),
    )
    d2 = squared_distances(hx, x)  # (M, N)
    near = d2.argsort(dim=1, stable=True)[:, :k]  # (M, k)
    s.tensor(f"first query's {k} nearest (index)", near[0])
    s.tensor("their labels", y[near[0]])
    r.check_close(
        "distances by |a|^2 - 2ab + |b|^2 == torch.cdist squared", d2, torch.cdist(hx, x) ** 2, 1e-9
    )
    top = torch.topk(d2, k, dim=1, largest=False).indices  # (M, k)
    same = bool((top.sort(1).values == near.sort(1).values).all())
    r.check("k nearest by argsort == torch.topk(largest=False)", same, f"{len(hx)} queries", kind="reference")


def votes(r: Report, x, y, hx, hy, k: int) -> None:
    import torch

    s = r.section("choosing k: held-out accuracy")
    rows = []
    for kk in sorted({*[q for q in KS if q <= len(x)], k, len(x)}):
        rows.append([kk, accuracy(knn_predict(x, y, x, kk), y), accuracy(knn_predict(x, y, hx, kk), hy)])
    s.table(["k", "training accuracy", "held-out accuracy"], rows)
    s.note(
        "k = 1 scores 1.0 on its own training set (each point is its own nearest neighbour) but "
        "follows every noisy point; large k smooths the boundary, and k = N gives every query the "
        "majority label. A straight line (`mlterms demo logistic regression`) does no better than "
        "chance on XOR; kNN's boundary bends around the blobs."
    )
    predicted = knn_predict(x, y, hx, k)
    wrong = predicted != hy
    s.scatter(
        f"held-out points by kNN's label (k = {k}), and the mistakes",
        class_0=(hx[~wrong & (predicted == 0), 0], hx[~wrong & (predicted == 0), 1]),
        class_1=(hx[~wrong & (predicted == 1), 0], hx[~wrong & (predicted == 1), 1]),
        wrong=(hx[wrong, 0], hx[wrong, 1]),
    )
    majority = int(y.bincount(minlength=2).argmax())
    everyone = knn_predict(x, y, hx, len(x))
    r.check(
        "k = N labels every query with the training majority",
        bool((everyone == majority).all()),
        f"all {majority}",
        kind="property",
    )
    r.check_equal("k = 1 on its own training set: accuracy 1", rows[0][1], 1.0, kind="property")
    acc = accuracy(predicted, hy)
    base = accuracy(torch.full_like(hy, majority), hy)
    r.effect(
        f"k = {k}: held-out accuracy > the majority baseline + 0.3",
        acc > base + 0.3,
        f"{acc:.3f} vs {base:.3f}",
    )
