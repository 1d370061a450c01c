"""One-hot encoding: F.one_hot by hand, one-hot @ W picks a row, every category equally far from
every other, and what a 0..K-1 integer code does to a linear model (held out)."""

from __future__ import annotations

import math

from mlterms.demos.hand.encodings import one_hot
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HELD_OUT = 100  # held-out examples per category


@demo(
    summary="One-hot encoding represents one of K categories as a length-K vector with a 1 at the "
    "category's index and 0 elsewhere: no fake order between the categories, unlike a code 0..K-1, "
    "but K numbers per item, which is why a big K calls for an embedding layer.",
    params=[
        Param("k", "int", 8, "K, how many categories", min=2, max=12),
        Param("per_category", "int", 5, "training examples per category", min=2, max=40),
        Param("noise", "float", 1.0, "noise sd of the targets around each category's value", min=0.0, max=3.0),
    ],
)  # fmt: skip
def run(r: Report, *, k: int, per_category: int, noise: float) -> None:
    encode(r, k)
    distances(r, k)
    false_order(r, k, per_category, noise)


def encode(r: Report, k: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("one-hot by hand, and one-hot @ W picks a row")
    labels = torch.randint(k, (5,))  # (N,)
    hot = one_hot(labels, k)  # (N, K)
    s.tensor("labels (N=5)", labels)
    s.tensor(f"one-hot by hand (N=5, K={k})", hot)
    r.check_close("one-hot by hand == F.one_hot", hot, F.one_hot(labels, k).double(), atol=0)
    r.check(
        "every row has exactly one 1 and K-1 zeros",
        bool((hot.sum(1) == 1).all() and ((hot == 0).sum(1) == k - 1).all()),
        kind="property",
    )
    W = torch.randn(k, 3, dtype=torch.float64)  # (K, D): one row of weights per category
    s.tensor(f"W (K={k}, 3)", W)
    r.check_close("one_hot(labels) @ W == W[labels] (row indexing)", hot @ W, W[labels], atol=1e-15)
    s.note(
        "A linear layer on a one-hot input just selects the category's row of W: that is exactly what an "
        'embedding layer does without the multiplications (see `mlterms demo "embedding layer"`). One-hot '
        "is also the form of a class label in cross-entropy, which PyTorch takes as the index instead "
        "(see `mlterms demo label`)."
    )
    r.exercise(
        "one-hot-shape",
        "What is the shape of F.one_hot(labels, K) for these labels?",
        tuple(hot.shape),
        given={"labels": labels, "K": k},
    )
    c = int(labels[0])
    r.exercise(
        "row-picked",
        f"What is one_hot({c}) @ W, for this W?",
        W[c],
        given={"W": W, "category": c},
        tolerance=1e-3,
    )


def distances(r: Report, k: int) -> None:
    import torch

    s = r.section("no fake order: every category is equally far from every other")
    codes = torch.arange(k, dtype=torch.float64)[:, None]  # (K, 1) the integer codes 0..K-1
    hot = one_hot(torch.arange(k), k)  # (K, K) the identity
    d_int, d_hot = torch.cdist(codes, codes), torch.cdist(hot, hot)  # (K, K) Euclidean distances
    s.table(
        ["pair of categories", "distance of the codes 0..K-1", "distance of the one-hot vectors"],
        [
            [f"{i} and {j}", d_int[i, j], d_hot[i, j]]
            for i, j in ([(0, 1), (1, 2), (0, k - 1)] if k > 2 else [(0, 1)])
        ],
    )
    s.note(
        f"Coded as one number, category {k - 1} is {k - 1}x as far from 0 as category 1 is, and 1 lies "
        "'between' 0 and 2: an order and a spacing that the categories (colors, cities, words) do not "
        "have. Any two different one-hot vectors differ in exactly two places: distance sqrt(2), dot "
        "product 0, whatever the pair."
    )
    off = ~torch.eye(k, dtype=torch.bool)
    r.check_close(
        "every pair of different one-hot vectors is sqrt(2) apart (torch.cdist)",
        d_hot[off],
        torch.full((k * (k - 1),), math.sqrt(2), dtype=torch.float64),
        atol=1e-12,
        kind="property",
    )


def least_squares(X, y):
    import torch

    return torch.linalg.lstsq(X, y[:, None]).solution[:, 0]


def false_order(r: Report, k: int, per_category: int, noise: float) -> None:
    import torch

    s = r.section("a linear model on the integer code vs on one-hot, held out")
    effect = 2.0 * torch.randn(k, dtype=torch.float64)  # each category's true value: no order in it
    train_c = torch.arange(k).repeat(per_category)  # (N,) every category per_category times
    test_c = torch.arange(k).repeat(HELD_OUT)
    y = effect[train_c] + noise * torch.randn(len(train_c), dtype=torch.float64)
    y_test = effect[test_c] + noise * torch.randn(len(test_c), dtype=torch.float64)
    w_hot = least_squares(one_hot(train_c, k), y)  # (K,) one weight per category
    means = torch.stack([y[train_c == c].mean() for c in range(k)])  # (K,)
    r.check_close(
        "one-hot least squares (torch.linalg.lstsq) == the per-category training means", w_hot, means, 1e-9
    )
    rename = torch.randperm(k)  # another, equally arbitrary numbering of the same categories
    rows, fits, hot_fits = [], {}, {}
    for name, code in [("codes 0..K-1", torch.arange(k)), ("renumbered codes", rename)]:
        X = torch.stack([code[train_c].double(), torch.ones(len(train_c), dtype=torch.float64)], 1)  # (N, 2)
        a, b = least_squares(X, y)
        fits[name] = a * code.double() + b  # (K,) the prediction per category: a straight line in the code
        hot_fits[name] = least_squares(one_hot(code[train_c], k), y)[code]  # (K,) per category
        mse = [((f[name][test_c] - y_test) ** 2).mean() for f in (fits, hot_fits)]
        rows.append([name, *mse])
    s.table(["numbering", "held-out MSE, integer code", "held-out MSE, one-hot"], rows)
    s.table(
        ["category", "true value", "one-hot prediction", "integer-code prediction", "renumbered prediction"],
        [[c, effect[c], w_hot[c], fits["codes 0..K-1"][c], fits["renumbered codes"][c]] for c in range(k)],
        title=f"{per_category} training examples per category, noise sd {noise:g}",
    )
    s.note(
        "On the integer code a linear model can only draw a straight line through the categories in their "
        "arbitrary numbering: its predictions are equally spaced, and renumbering the categories changes "
        "them. On one-hot it fits one value per category (the training mean), whatever the numbering. "
        "(`mlterms demo feature` shows the same on house prices with postcodes.)"
    )
    r.check_close(
        "renumbering the categories does not change the one-hot model's predictions",
        hot_fits["renumbered codes"],
        hot_fits["codes 0..K-1"],
        atol=1e-9,
        kind="property",
    )
    r.effect(
        "one-hot beats the integer code on held-out data (under both numberings)",
        float(rows[0][2]) < 0.9 * min(float(rows[0][1]), float(rows[1][1])),
        f"{float(rows[0][2]):.2f} < 0.9 x min({float(rows[0][1]):.2f}, {float(rows[1][1]):.2f})",
    )
    c = int(torch.randint(k, ()))
    r.exercise(
        "one-hot-fit",
        f"A least-squares fit on one-hot features: what does it predict for category {c}?",
        means[c],
        given={"training targets of this category": y[train_c == c]},
        tolerance=1e-3,
    )
