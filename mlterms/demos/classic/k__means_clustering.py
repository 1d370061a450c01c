"""k-means clustering: alternate assigning points to the nearest center and moving centers to means."""

from __future__ import annotations

from itertools import permutations

from mlterms.demos.hand.classic import blobs, inertia, kmeans_step, squared_distances
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

MAX_ITERS = 50
RESTARTS = 3  # Lloyd's stops at a local minimum; keep the best of a few seeds, as libraries do
TRUE_K = 3


@demo(
    summary="k-means clustering: find k centers so that each point's squared distance to its nearest "
    "center, summed (the inertia), is small, by alternating assign-to-nearest and move-to-mean steps; no labels used.",
    params=[
        Param("k", "int", 3, "number of clusters to find (the data has 3 blobs)", min=1, max=8),
        Param("spread", "float", 0.7, "standard deviation of each blob", min=0.1, max=3.0),
    ],
)
def run(r: Report, *, k: int, spread: float) -> None:
    import torch

    centers = torch.tensor([[0.0, 3.0], [-2.6, -1.5], [2.6, -1.5]], dtype=torch.float64)
    x, blob = blobs(30, centers, spread)
    runs = {kk: best_of_restarts(x, kk) for kk in sorted({*range(1, 7), k})}
    iterations(r, x, k, *runs[k])
    elbow(r, x, blob, runs, spread)
    pts = torch.randint(-3, 4, (4, 2)).double()  # (4, 2)
    two = pts[:2].clone()
    r.exercise(
        "inertia",
        "Points and two centers as given. What is the inertia (sum of squared distances to the nearest center)?",
        inertia(pts, two),
        given={"points": pts, "centers": two},
        tolerance=1e-6,
    )


def kmeans_pp(x, k: int):
    """k-means++ seeding: the first center a random point, each next one a point drawn with
    probability proportional to its squared distance to the nearest center so far. (k, D)"""
    import torch

    chosen = [int(torch.randint(len(x), (1,)))]
    for _ in range(k - 1):
        d2 = squared_distances(x, x[chosen]).min(dim=1).values  # (N,)
        chosen.append(int(torch.multinomial(d2 / d2.sum(), 1)) if d2.sum() > 0 else chosen[0])
    return x[chosen].clone()


def best_of_restarts(x, k: int):
    """`lloyd` from RESTARTS k-means++ seedings; the run with the lowest final inertia."""
    runs = [lloyd(x, k) for _ in range(RESTARTS)]
    return min(runs, key=lambda run: run[2][-1][2])


def lloyd(x, k: int):
    """Run Lloyd's iterations from k-means++ seeds until the assignment stops changing.

    Returns (centers, assignment, rows of (iteration, inertia before the move, after the move))."""
    centers = kmeans_pp(x, k)
    history, last = [], None
    for t in range(MAX_ITERS):
        new, assign, before = kmeans_step(x, centers)
        history.append((t + 1, before, inertia_of(x, new, assign)))
        centers = new
        if last is not None and bool((assign == last).all()):
            break
        last = assign
    return centers, assign, history


def inertia_of(x, centers, assign) -> float:
    """Inertia of a FIXED assignment to these centers (not re-assigned)."""
    return float(((x - centers[assign]) ** 2).sum())


def iterations(r: Report, x, k: int, centers, assign, history) -> None:
    import torch

    s = r.section(f"what it computes: Lloyd's iterations with k = {k}")
    s.note(
        "Each iteration: (1) assign every point to its nearest center, (2) move every center to the "
        "mean of its points. Step (1) picks the nearest center, step (2) the mean minimises a "
        "cluster's squared distances: neither can raise the inertia, so it falls until nothing changes. "
        f"That end is a local minimum, so the run shown is the best of {RESTARTS} k-means++ seedings."
    )
    s.table(
        ["iteration", "inertia after assigning", "inertia after moving centers"], [list(h) for h in history]
    )
    groups = {f"cluster_{j}": (x[assign == j, 0], x[assign == j, 1]) for j in range(k)}
    s.scatter("points by cluster, and the centers", **groups, centers=(centers[:, 0], centers[:, 1]))
    s.tensor("centers", centers)
    series = [v for _, before, after in history for v in (before, after)]
    rises = [i for i in range(len(series) - 1) if series[i + 1] > series[i] * (1 + 1e-12)]
    r.check(
        "inertia never rises, at any half-step",
        not rises,
        f"{series[0]:.2f} down to {series[-1]:.2f}" if not rises else f"rises at {rises}",
        kind="property",
    )
    stable = bool((squared_distances(x, centers).argmin(1) == assign).all())
    r.check(
        "converged: a further assignment changes nothing",
        stable,
        f"{len(history)} iterations",
        kind="property",
    )
    # one step, independently: torch.cdist for the nearest center, a loop for the means
    seeds = x[: max(k, 1)].clone()
    new, got, _ = kmeans_step(x, seeds)
    near = torch.cdist(x, seeds).argmin(1)
    means = torch.stack([x[near == j].mean(0) if (near == j).any() else seeds[j] for j in range(k)])
    differ = int((got != near).sum())
    r.check(
        "assignment by hand == torch.cdist argmin",
        differ == 0,
        f"{differ} of {len(x)} differ",
        kind="reference",
    )
    r.check_close("centers by index_add_ == a loop of per-cluster means", new, means, atol=1e-12)


def elbow(r: Report, x, blob, runs, spread: float) -> None:
    s = r.section("how many clusters? inertia against k")
    rows = [[kk, inertia(x, runs[kk][0])] for kk in range(1, 7)]
    s.table(["k", "inertia at convergence"], rows)
    s.note(
        "More centers always lower the inertia (k = N would make it 0), so the inertia alone cannot "
        "choose k; look for the elbow where adding a center stops paying, here at the 3 blobs. "
        "Not to be confused with k-nearest neighbors, which needs labels."
    )
    agree = best_match(runs[TRUE_K][1], blob)
    s.scalar("k = 3: fraction of points grouped as their blob (best relabelling)", agree)
    total = rows[0][1]
    r.effect(
        "k = 3 finds the blobs: > 95% of points grouped with their own blob",
        agree > 0.95,
        f"{agree:.3f}",
        asserted=spread <= 0.8,
    )
    r.effect(
        "k = 3 cuts the inertia of k = 1 by > 5x", rows[2][1] * 5 < total, f"{rows[2][1]:.1f} vs {total:.1f}"
    )


def best_match(assign, labels) -> float:
    """The fraction of points whose cluster matches their label, under the best renaming of clusters."""
    best = 0.0
    for perm in permutations(range(TRUE_K)):
        renamed = assign.clone()
        for j, p in enumerate(perm):
            renamed[assign == j] = p
        best = max(best, float((renamed == labels).double().mean()))
    return best
