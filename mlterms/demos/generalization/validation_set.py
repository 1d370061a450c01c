"""Validation set: held-out examples that choose the model, and why a final number needs a test set."""

from __future__ import annotations

from typing import cast

from mlterms.demos.hand.fitting import legendre_features, noisy_sample, normal_equations
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

NOISE = 0.2
REPEATS = 30  # fresh datasets for the selection-bias section
FIXED = 3  # a degree chosen before looking at any validation loss


@demo(
    summary="A validation set is examples held out from training, used to check generalization while "
    "choosing hyperparameters; because you tune against it, final numbers come from a separate "
    "test set used once, at the end.",
    params=[
        Param("n_train", "int", 15, "training examples", min=12, max=60),
        Param("n_val", "int", 10, "validation examples", min=5, max=60),
    ],
)
def run(r: Report, *, n_train: int, n_val: int) -> None:
    top = min(10, n_train - 3)  # the candidate degrees 0..top
    train, val = split(r, n_train, n_val)
    choose(r, train, val, top)
    selection_bias(r, n_train, n_val, top)


def candidates(train, others: list, top: int) -> list[list[float]]:
    """For each degree 0..top fitted on train: [train MSE, MSE on each of `others`]."""
    X = legendre_features(train[0], top)  # (n, top + 1): degree d uses the first d + 1 columns
    feats = [legendre_features(x, top) for x, _ in others]
    rows = []
    for d in range(top + 1):
        w = normal_equations(X[:, : d + 1], train[1])
        mses = [float(((F[:, : d + 1] @ w - y) ** 2).mean()) for F, (_, y) in zip(feats, others, strict=True)]
        rows.append([float(((X[:, : d + 1] @ w - train[1]) ** 2).mean()), *mses])
    return rows


def split(r: Report, n_train: int, n_val: int):
    import torch
    from torch.utils.data import Dataset, random_split

    s = r.section("one pool of examples, split in two")
    x, y = noisy_sample(n_train + n_val, NOISE)  # (N,) each
    split_seed = int(torch.randint(0, 2**31, ()))
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(split_seed))  # (N,)
    train_idx, val_idx = perm[:n_train], perm[n_train:]
    s.table(
        ["set", "examples", "indices into the pool"],
        [["training", n_train, " ".join(map(str, sorted(train_idx.tolist())))],
         ["validation", n_val, " ".join(map(str, sorted(val_idx.tolist())))]],
    )  # fmt: skip
    s.note(
        "Shuffle once, then cut: every example lands in exactly one set. An example in both would "
        "let the validation loss reward memorising it."
    )
    gen = torch.Generator().manual_seed(split_seed)
    # a range indexes like a Dataset of ints, which is all random_split needs; the stubs want a Dataset
    ref = random_split(cast("Dataset[int]", range(len(x))), [n_train, n_val], generator=gen)
    same = [train_idx.tolist(), val_idx.tolist()] == [list(ref[0].indices), list(ref[1].indices)]
    r.check(
        "hand split (randperm, then cut) == torch.utils.data.random_split",
        same,
        f"{n_train} + {n_val} indices, in order",
        kind="reference",
    )
    a, b = set(train_idx.tolist()), set(val_idx.tolist())
    r.check(
        "the split is disjoint and covers the pool",
        not (a & b) and a | b == set(range(len(x))),
        f"{len(a & b)} shared, {len(a | b)} of {len(x)} covered",
        kind="property",
    )
    return (x[train_idx], y[train_idx]), (x[val_idx], y[val_idx])


def choose(r: Report, train, val, top: int) -> None:
    import numpy as np

    s = r.section("the validation set picks the degree; the training loss would pick wrong")
    test = noisy_sample(2000, NOISE)
    rows = np.array(candidates(train, [val, test], top))  # (top + 1, 3): train, val, test
    by_train, by_val = int(rows[:, 0].argmin()), int(rows[:, 1].argmin())
    s.table(
        ["degree", "train MSE", "validation MSE", "test MSE", "picked by"],
        [[d, *rows[d], picked(d, by_train, by_val)] for d in range(top + 1)],
        title="test: 2000 fresh examples, looked at only after the choice",
    )
    s.note(
        "The training loss only falls as the degree grows: it always picks the biggest model. The "
        "validation loss turns up once the fit chases the noise, and picks a model that does well "
        "on the test set. Hyperparameters (degree, lambda, learning rate, when to stop) are chosen "
        "this way: `mlterms demo hyperparameter`."
    )
    r.effect(
        "validation picks another degree than the training loss",
        by_val != by_train,
        f"{by_val} vs {by_train}",
    )
    r.effect(
        "the validation pick has a lower test MSE than the training pick",
        rows[by_val, 2] < rows[by_train, 2],
        f"{rows[by_val, 2]:.3f} vs {rows[by_train, 2]:.3g}",
    )
    r.exercise(
        "validation-pick",
        "These are the validation MSEs of degrees 0, 1, 2, ... Which degree does the validation set pick?",
        by_val,
        given={"validation MSE": [round(float(v), 4) for v in rows[:, 1]]},
    )


def picked(d: int, by_train: int, by_val: int) -> str:
    return " and ".join(name for name, w in (("training", by_train), ("validation", by_val)) if w == d)


def selection_bias(r: Report, n_train: int, n_val: int, top: int) -> None:
    import numpy as np

    s = r.section(f"tuning on the validation set makes it optimistic ({REPEATS} fresh datasets)")
    won, fixed = [], []  # [validation MSE, test MSE] of the pick, and of the fixed degree
    for _ in range(REPEATS):
        train, val, test = noisy_sample(n_train, NOISE), noisy_sample(n_val, NOISE), noisy_sample(300, NOISE)
        rows = candidates(train, [val, test], top)
        best = min(range(top + 1), key=lambda d: rows[d][1])
        won.append(rows[best][1:])
        fixed.append(rows[min(FIXED, top)][1:])
    won_a, fixed_a = np.array(won), np.array(fixed)  # (R, 2) each: validation, test
    optimism = won_a[:, 1] - won_a[:, 0], fixed_a[:, 1] - fixed_a[:, 0]  # (R,) each: test - validation
    s.table(
        ["model", "mean validation MSE", "mean test MSE", "median test - validation"],
        [
            [f"the validation pick (best of {top + 1})", *won_a.mean(0), np.median(optimism[0])],
            [f"degree {min(FIXED, top)}, fixed in advance", *fixed_a.mean(0), np.median(optimism[1])],
        ],
    )
    s.note(
        "The pick is the candidate whose validation loss came out lowest, partly by luck of the draw, "
        "so its validation loss understates its error (the median, as a few picks blow up on the test "
        "set). A model fixed in advance has an honest validation loss. Hence the final number comes "
        "from a test set that chose nothing."
    )
    r.effect(
        "the pick's validation MSE is optimistic: median (test - validation) above the fixed model's",
        np.median(optimism[0]) > np.median(optimism[1]),
        f"{np.median(optimism[0]):.4f} > {np.median(optimism[1]):.4f}",
    )
