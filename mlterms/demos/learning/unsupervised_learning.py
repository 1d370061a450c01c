"""Unsupervised learning: structure found in unlabelled inputs, by principal directions (PCA) and
k-means clusters, scored afterwards against labels the learner never saw."""

from __future__ import annotations

import itertools
import math

from mlterms.demos.hand.learning import observe
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

K, DIM, KEEP = 3, 16, 2  # hidden groups, input dims, principal directions kept
ROUNDS = 8  # k-means rounds


def principal_directions(x, keep: int):
    """PCA by the eigenvectors of the covariance: C = Xc^T Xc / (n - 1), the `keep` of largest
    eigenvalue. Returns the mean (D,), the directions (D, keep) and all eigenvalues, largest first (D,)."""
    import torch

    mean = x.mean(0)
    xc = x - mean  # (n, D)
    values, vectors = torch.linalg.eigh(xc.T @ xc / (len(x) - 1))  # ascending
    return mean, vectors[:, -keep:].flip(1), values.flip(0)


def kmeans(z, k: int, rounds: int):
    """Lloyd's k-means from a farthest-point start. z (n, E). Returns the centres (k, E) and the
    inertia (sum of squared distances to the nearest centre) before each round and after the last."""
    import torch

    centres = [z[int(torch.randint(len(z), ()))]]
    for _ in range(k - 1):  # the next start is the point farthest from the starts so far
        centres.append(z[int(torch.cdist(z, torch.stack(centres)).min(1).values.argmax())])
    c = torch.stack(centres)  # (k, E)
    inertia = []
    for step in range(rounds + 1):
        d2 = torch.cdist(z, c) ** 2  # (n, k)
        inertia.append(float(d2.min(1).values.sum()))
        if step == rounds:
            break
        near = d2.argmin(
            1
        )  # assign each point to its nearest centre, then move each centre to its points' mean
        c = torch.stack([z[near == j].mean(0) if bool((near == j).any()) else c[j] for j in range(k)])
    return c, inertia


def agreement(found, hidden, k: int) -> float:
    """The fraction of points whose cluster matches their hidden label, under the best renaming of the
    clusters (cluster numbers are arbitrary): max over permutations p of mean(p[found] == hidden)."""
    import torch

    best = 0.0
    for perm in itertools.permutations(range(k)):
        best = max(best, float((torch.tensor(perm)[found] == hidden).double().mean()))
    return best


@demo(
    summary="Unsupervised learning finds structure in inputs that come without labels, eg the directions "
    "along which they vary most (PCA) or groups of similar inputs (clusters); nothing tells it what the "
    "structure means.",
    params=[
        Param("gap", "float", 3.0, "distance of the hidden group centres from their middle", min=0.0, max=8.0)
    ],
)
def run(r: Report, *, gap: float) -> None:
    import torch

    dt = torch.float64
    rot, _ = torch.linalg.qr(torch.randn(DIM, DIM, dtype=dt))  # (16, 16) hides the two group directions
    angle = 2 * math.pi * (torch.rand(1, dtype=dt) + torch.arange(K, dtype=dt) / K)
    codes = gap * torch.stack([angle.cos(), angle.sin()], 1)  # (3, 2) the hidden group centres
    x, y = observe(codes, 60, rot, spread=1.0, nuisance=1.0)  # (180, 16); y is never shown to the learner
    x_test, y_test = observe(codes, 100, rot, spread=1.0, nuisance=1.0)  # held out

    s = r.section("1. principal directions of unlabelled inputs: eigenvectors of the covariance")
    mean, w, values = principal_directions(x, KEEP)  # (16,), (16, 2), (16,)
    _, sv, vt = torch.linalg.svd(x - mean, full_matrices=False)
    r.check_close("eigenvalues by torch.linalg.eigh of the covariance == singular values^2 / (n - 1) of the "
                  "centred data (torch.linalg.svd)", values, sv**2 / (len(x) - 1), atol=1e-9)  # fmt: skip
    r.check_close("the kept plane: projector W W^T by eigh == V V^T by svd", w @ w.T, vt[:KEEP].T @ vt[:KEEP],
                  atol=1e-8)  # fmt: skip
    kept = float(values[:KEEP].sum() / values.sum())
    s.table(["direction", "variance", "share"], [[i + 1, float(v), float(v / values.sum())] for i, v in enumerate(values[:5])],
            title=f"the 5 largest of {DIM} eigenvalues")  # fmt: skip
    s.note(f"No label was used: the {KEEP} directions of largest variance keep {kept:.0%} of it. Here the groups "
           "make most of the variance, so those directions are the ones that separate them; when the largest "
           "variance is nuisance (lighting, loudness), PCA keeps the nuisance instead.")  # fmt: skip

    s = r.section(f"2. k-means with k = {K} in the {KEEP}-d principal plane")
    z = (x - mean) @ w  # (180, 2)
    centres, inertia = kmeans(z, K, ROUNDS)
    s.plot("k-means inertia (sum of squared distances to the nearest centre)", list(range(len(inertia))),
           inertia=inertia)  # fmt: skip
    r.check("k-means inertia never rises", all(b <= a + 1e-9 for a, b in zip(inertia, inertia[1:], strict=False)),
            f"{inertia[0]:.1f} -> {inertia[-1]:.1f}", kind="property")  # fmt: skip
    found = torch.cdist((x_test - mean) @ w, centres).argmin(1)  # held-out points to their nearest centre
    acc = agreement(found, y_test, K)
    baseline = random_plane(x, x_test, y_test)
    s.table(["clusters found in", "agreement with the hidden labels"],
            [["the principal plane", acc], [f"a random plane (mean of {len(baseline)})", sum(baseline) / len(baseline)],
             ["chance (one group for all)", 1 / K]], title=f"{len(y_test)} held-out inputs")  # fmt: skip
    s.note("The labels are used only here, to score what was found; the cluster numbers are matched to them by "
           "the best renaming. Supervised learning would be given them; self-supervised learning makes its labels "
           "from the inputs. At gap 0 there are no groups, and nothing to find.")  # fmt: skip
    strong = gap >= 3.0
    r.effect("held-out clusters agree with the hidden labels far above chance (> 2/3 vs 1/3)", acc > 2 / K,
             f"{acc:.2f}", asserted=strong)  # fmt: skip
    r.effect("the principal plane beats a random plane", acc > sum(baseline) / len(baseline) + 0.15,
             f"{acc:.2f} vs {sum(baseline) / len(baseline):.2f}", asserted=strong)  # fmt: skip
    show = torch.round(values[:4] * 10) / 10
    r.exercise("variance-kept", f"PCA of inputs with these covariance eigenvalues: what share of the variance do the "
               f"top {KEEP} directions keep?", float(show[:KEEP].sum() / show.sum()), given={"eigenvalues": show},
               tolerance=1e-3)  # fmt: skip
    found6, hidden6 = torch.randint(0, K, (6,)), torch.randint(0, K, (6,))
    r.exercise("agreement", "Six points with these cluster numbers and hidden labels: what agreement does the best "
               "renaming of the clusters give?", agreement(found6, hidden6, K),
               given={"clusters": found6, "labels": hidden6}, tolerance=1e-3)  # fmt: skip


def random_plane(x, x_test, y_test, tries: int = 5) -> list[float]:
    """The same k-means in random 2-d projections instead of the principal plane: the baseline."""
    import torch

    out = []
    for _ in range(tries):
        p, _ = torch.linalg.qr(torch.randn(x.shape[1], KEEP, dtype=x.dtype))  # (16, 2) orthonormal
        centres, _ = kmeans(x @ p, K, ROUNDS)
        out.append(agreement(torch.cdist(x_test @ p, centres).argmin(1), y_test, K))
    return out
