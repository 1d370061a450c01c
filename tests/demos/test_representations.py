"""The representations demos (tensor, one-hot encoding, embedding), recomputed with numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos.hand.encodings import cosine, lookup, one_hot
from mlterms.demos.representations.embedding import PER_GROUP, co_occurrence, loss_and_grads
from mlterms.demos.representations.tensor import broadcast_shape, contiguous_strides

from .util import column, exercise, run, table

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


def test_hand_encodings_on_known_numbers():
    hot = one_hot(torch.tensor([2, 0, 2]), 4)
    assert hot.numpy().tolist() == np.eye(4)[[2, 0, 2]].tolist()
    W = torch.arange(12.0).reshape(4, 3)
    assert lookup(W, torch.tensor([3, 1])).tolist() == [[9.0, 10.0, 11.0], [3.0, 4.0, 5.0]]
    u, v = torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[0.0, 2.0], [-3.0, 0.0]])
    assert cosine(u, v).numpy() == pytest.approx(
        np.array([[0.0, -1.0], [1 / math.sqrt(2), -1 / math.sqrt(2)]])
    )


@settings(max_examples=60, deadline=None)
@given(shape=shapes.filter(len))
def test_contiguous_strides_match_numpy(shape):
    a = np.empty(shape, dtype=np.float32)
    assert contiguous_strides(shape) == tuple(s // a.itemsize for s in a.strides)


@settings(max_examples=100, deadline=None)
@given(a=shapes, b=shapes)
def test_broadcast_shape_matches_numpy(a, b):
    try:
        want = np.broadcast_shapes(a, b)
    except ValueError:
        want = None
    assert broadcast_shape(a, b) == want


@pytest.mark.parametrize(("sizes", "swap"), [((2, 3, 4), "0,2"), ((5, 2, 3), "0,1"), ((3, 4, 5), "1,2")])
def test_tensor_exercises_match_numpy_strides(sizes, swap):
    a, b, c = sizes
    report = run("tensor", 0, a=a, b=b, c=c, swap=swap)
    x = np.arange(a * b * c, dtype=np.float32).reshape(sizes)
    axes = [int(i) for i in swap.split(",")]
    order = list(range(3))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    assert exercise(report, "strides").answer == [s // 4 for s in x.strides]
    assert exercise(report, "transpose-strides").answer == [s // 4 for s in x.transpose(order).strides]
    assert exercise(report, "broadcast").answer == list(np.broadcast_shapes((2, 1, 5), (3, 1)))
    eps = column(table(report, "torch.finfo.eps"), "smallest 2^-k with 1 + 2^-k != 1 (by hand)")
    bits = [
        np.finfo(np.float16).nmant,
        7,
        np.finfo(np.float32).nmant,
        np.finfo(np.float64).nmant,
    ]  # bfloat16: 7
    assert eps == [f"2^-{n}" for n in bits]


def test_one_hot_distances_and_fit():
    report = run("one-hot encoding", 1, k=7)
    t = table(report, "distance of the one-hot vectors")
    assert column(t, "distance of the one-hot vectors") == pytest.approx([math.sqrt(2)] * 3)
    assert column(t, "distance of the codes 0..K-1") == [1.0, 1.0, 6.0]
    ex = exercise(report, "one-hot-fit")
    assert ex.answer == pytest.approx(np.mean(ex.given["training targets of this category"]))
    row = exercise(report, "row-picked")
    assert row.answer == pytest.approx(np.array(row.given["W"])[row.given["category"]].tolist())
    assert exercise(report, "one-hot-shape").answer == [5, 7]


@pytest.mark.parametrize("seed", [0, 2])
def test_integer_code_predictions_lie_on_a_line_and_one_hot_is_judged_held_out(seed):
    report = run("one-hot encoding", seed)
    per = table(report, "integer-code prediction")
    line = np.array(column(per, "integer-code prediction"))
    assert np.diff(line) == pytest.approx(np.full(len(line) - 1, line[1] - line[0]))  # equally spaced
    mse = column(table(report, "held-out MSE, one-hot"), "held-out MSE, one-hot")
    # noise sd 1, 5 examples per category: a fresh target is off the training mean by noise^2 (1 + 1/5)
    # on average; on the training set itself it would be noise^2 (1 - 1/5)
    assert 0.95 < mse[0] < 1.5
    assert mse[0] == pytest.approx(mse[1])


def test_co_occurrence_holds_out_pairs_of_the_same_group_only():
    torch.manual_seed(3)
    pairs, held, group = co_occurrence()
    seen = {tuple(p) for p in pairs.tolist()}
    assert all((a, b) not in seen and (b, a) not in seen for a, b in held.tolist())
    assert all(group[a] == group[b] for a, b in [*seen, *held.tolist()])
    n_groups = len(group) // PER_GROUP
    assert len(seen) + 2 * len(held) == n_groups * PER_GROUP * (PER_GROUP - 1)  # every within-group pair


def test_embedding_gradients_match_finite_differences():
    torch.manual_seed(0)
    E, C = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    pairs = torch.tensor([[0, 1], [1, 0], [2, 4], [0, 3]])

    def np_loss(E_, C_):
        logits = E_[pairs[:, 0].numpy()] @ C_.T
        m = logits.max(1, keepdims=True)
        lse = (m + np.log(np.exp(logits - m).sum(1, keepdims=True)))[:, 0]
        return (lse - logits[np.arange(4), pairs[:, 1].numpy()]).mean()

    loss, gE, gC = loss_and_grads(E, C, pairs)
    assert float(loss) == pytest.approx(np_loss(E.numpy(), C.numpy()))
    h = 1e-6
    for M, g, is_e in [(E, gE, True), (C, gC, False)]:
        num = np.zeros(M.shape)
        for idx in np.ndindex(*M.shape):
            plus, minus = M.numpy().copy(), M.numpy().copy()
            plus[idx] += h
            minus[idx] -= h
            args = (
                [(plus, C.numpy()), (minus, C.numpy())] if is_e else [(E.numpy(), plus), (E.numpy(), minus)]
            )
            num[idx] = (np_loss(*args[0]) - np_loss(*args[1])) / (2 * h)
        assert g.numpy() == pytest.approx(num, abs=1e-7)


def test_embedding_exercises_and_held_out_similarity():
    report = run("embedding", 1, dim=6)
    ex = exercise(report, "cosine")
    u, v = np.array(ex.given["u"]), np.array(ex.given["v"])
    assert ex.answer == pytest.approx(u @ v / np.linalg.norm(u) / np.linalg.norm(v))
    assert exercise(report, "lookup-shape").answer == [4, 10, 6]
    t = table(report, "after training")
    after = dict(zip(column(t, ""), column(t, "after training"), strict=True))
    assert after["held out, same group"] > after["different groups"] + 0.3
