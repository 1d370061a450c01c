"""The basics demos, recomputed independently with numpy, statistics and closed forms."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import registry
from mlterms.demos.basics.feature import make_houses, one_hot_by_hand
from mlterms.demos.basics.label import cross_entropy_by_hand
from mlterms.demos.basics.model import by_hand as model_by_hand
from mlterms.demos.basics.rank import matrix_rank_by_hand, nesting_depth
from mlterms.demos.basics.standardization import make_data
from mlterms.demos.hand.normalization import (
    batch_norm_backward,
    batch_norm_by_hand,
    mean_std_by_hand,
    min_max,
    running_stats_update,
)

from .util import column, exercise, row, run, scalar, table, tensor

THEME = ["rank", "feature", "label", "model", "normalization", "standardization", "batch normalization"]
f64 = torch.float64


def arr(report, name: str) -> np.ndarray:
    return np.array(tensor(report, name).values)


# ---------------------------------------------------------------------------- the theme


@pytest.mark.parametrize("name", THEME)
def test_every_check_has_a_kind_and_there_is_a_reference(name):
    report = run(name)
    assert all(c.kind in ("reference", "property", "effect") for c in report.checks)
    assert any(c.kind == "reference" for c in report.checks)
    assert 1 <= len(report.exercises) <= 3


@pytest.mark.parametrize("name", ["feature", "normalization", "standardization"])
@pytest.mark.parametrize("seed", range(5))
def test_effects_hold_at_seeds_0_to_4(name, seed):
    effects = [c for c in run(name, seed).checks if c.kind == "effect"]
    assert effects and all(c.passed is True for c in effects), [c.detail for c in effects]


@st.composite
def knobs(draw, name):
    values = {}
    for p in registry.params(name):
        if p.type == "int":
            values[p.name] = draw(st.integers(int(p.min), int(p.max)))
        elif p.type == "float":
            values[p.name] = draw(st.floats(p.min, p.max, allow_nan=False))
    return values


@pytest.mark.parametrize("name", THEME)
def test_reference_and_property_checks_hold_at_every_knob_value(name):
    @settings(max_examples=8, deadline=None)
    @given(values=knobs(name), seed=st.integers(0, 50))
    def check(values, seed):
        report = registry.run(name, seed, values)
        bad = [(c.name, c.detail) for c in report.checks if c.kind != "effect" and not c.passed]
        assert bad == [], values

    check()


# ---------------------------------------------------------------------------------- rank


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        ([[0.0, 0.0], [0.0, 0.0]], 0),
        ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]], 1),
        ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], 2),
        ([[0.0, 1.0], [1.0, 0.0]], 2),  # needs a row swap
        ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], 2),  # tall
        ([[1.0, 2.0, 3.0, 4.0]], 1),  # wide
    ],
)
def test_matrix_rank_by_hand_on_known_matrices(rows, want):
    assert matrix_rank_by_hand(torch.tensor(rows)) == want


@settings(max_examples=15, deadline=None)
@given(r=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_matrix_rank_by_hand_of_low_rank_products(r, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(5, r)) @ rng.normal(size=(r, 4))  # rank r (almost surely)
    assert matrix_rank_by_hand(torch.tensor(A)) == np.linalg.matrix_rank(A) == r


def test_nesting_depth():
    assert [nesting_depth(v) for v in (3.0, [1.0], [[1.0]], [[[1.0, 2.0]]])] == [0, 1, 2, 3]


@pytest.mark.parametrize("knob", [{}, {"rows": 6, "cols": 3, "inner": 5}, {"inner": 0}])
def test_rank_exercises_against_numpy(knob):
    report = run("rank", 3, **knob)
    ex = exercise(report, "matrix-rank")
    assert ex.answer == np.linalg.matrix_rank(np.array(ex.given["A"]))
    shape = exercise(report, "tensor-rank")
    assert shape.answer == np.zeros(shape.given["shape"]).ndim


# ------------------------------------------------------------------------ feature, label


def test_one_hot_by_hand_and_every_postcode_in_training():
    codes = torch.tensor([2, 0, 1, 2])
    np.testing.assert_array_equal(one_hot_by_hand(codes, 3).numpy(), np.eye(3)[[2, 0, 1, 2]])
    torch.manual_seed(0)
    _, code, _ = make_houses(12, 6, 0.0)
    assert sorted(set(code.tolist())) == list(range(6))


@pytest.mark.parametrize("k", [2, 5])
def test_feature_fits_more_columns_never_fit_train_worse(k):
    report = run("feature", 1, postcodes=k)
    assert exercise(report, "columns").answer == 3 + k
    t = table(report, "train RMSE")
    assert column(t, "columns") == [3 + k, 5, 4, 2 + k]
    full = row(t, "all features (one-hot postcode)")
    # every other feature set spans a subspace of the full one-hot design: its training fit is no better
    assert all(full[2] <= other + 1e-9 for other in column(t, "train RMSE")[1:])
    torch.manual_seed(1)  # the registry seeds; the demo draws the training houses, then the held-out ones
    train, held_out = make_houses(30, k, 20.0), make_houses(500, k, 20.0)
    design = [np.hstack([num.numpy(), np.eye(k)[code.numpy()]]) for num, code, _ in (train, held_out)]
    w = np.linalg.lstsq(design[0], train[2].numpy(), rcond=None)[0]
    assert full[3] == pytest.approx(np.sqrt(((design[1] @ w - held_out[2].numpy()) ** 2).mean()))


def test_label_cross_entropy_against_numpy():
    report = run("label", 2, classes=5, batch=7)
    z, y = arr(report, "logits (N=7, K=5)"), arr(report, "labels y (N,), dtype int64").astype(int)
    log_p = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    want = -log_p[np.arange(7), y].mean()
    assert scalar(report, "cross-entropy by hand: mean of -log softmax(z)[y]") == pytest.approx(want)
    ex = exercise(report, "ce-one")
    zc = np.array(ex.given["z"])
    assert ex.answer == pytest.approx(np.log(np.exp(zc).sum()) - zc[ex.given["c"]])
    assert exercise(report, "broadcast-shape").answer == [7, 7]


def test_cross_entropy_by_hand_with_soft_targets():
    z = torch.tensor([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]], dtype=f64)
    soft = torch.tensor([[0.1, 0.8, 0.1], [0.0, 0.5, 0.5]], dtype=f64)
    log_p = z.numpy() - np.log(np.exp(z.numpy()).sum(1, keepdims=True))
    assert cross_entropy_by_hand(z, soft) == pytest.approx(-(soft.numpy() * log_p).sum(1).mean())


# ----------------------------------------------------------------------------------- model


@pytest.mark.parametrize("h", [1, 3, 7])
def test_model_counts_parameters_and_buffers(h):
    report = run("model", 0, hidden=h)
    assert exercise(report, "param-count").answer == (2 * h + h) + (h + h) + (
        h + 1
    )  # W0 b0, gamma beta, W3 b3
    assert exercise(report, "buffer-count").answer == 2 * h + 1  # running mean, var, num_batches_tracked
    t = table(report, "kind")
    assert (
        sum(n for kind, n in zip(column(t, "kind"), column(t, "numbers"), strict=True) if kind == "buffer")
        == 2 * h + 1
    )


def test_model_formula_uses_the_running_statistics():
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
    ).double()
    net.train()
    with torch.no_grad():
        net(torch.randn(10, 2, dtype=f64) + 4)
    net.eval()
    x = torch.randn(5, 2, dtype=f64)
    p = dict(net.named_parameters())
    b = dict(net.named_buffers())
    torch.testing.assert_close(model_by_hand(p, b, x), net(x))


# --------------------------------------------------------------------------- normalization


def test_min_max_uses_the_statistics_it_is_given():
    train, new = torch.tensor([2.0, 6.0, 4.0], dtype=f64), torch.tensor([8.0, 1.0], dtype=f64)
    assert min_max(train).tolist() == [0.0, 1.0, 0.5]
    assert min_max(new, -1, 1, fit=train).tolist() == pytest.approx([2.0, -1.5])  # outside the range
    cols = torch.tensor([[0.0, 10.0], [2.0, 30.0]], dtype=f64)
    assert min_max(cols).tolist() == [[0.0, 0.0], [1.0, 1.0]]  # per column


@pytest.mark.parametrize("knob", [{}, {"lo": -1.0, "hi": 1.0}, {"lo": -3.0, "hi": 4.5}])
def test_normalization_report_against_numpy(knob):
    report = run("normalization", 5, **knob)
    lo, hi = knob.get("lo", 0.0), knob.get("hi", 1.0)
    t = table(report, "x")
    x, y = np.array(column(t, "x")), np.array(t.rows)[:, 1]
    np.testing.assert_allclose(y, lo + (x - x.min()) / (x.max() - x.min()) * (hi - lo), atol=1e-12)
    ex = exercise(report, "new-value")
    gx = np.array(ex.given["x"])
    assert ex.answer == pytest.approx(lo + (ex.given["v"] - gx.min()) / (gx.max() - gx.min()) * (hi - lo))
    new = arr(report, "new sizes (m^2)")
    small, big = scalar(report, "training min size"), scalar(report, "training max size")
    kept = arr(report, "scaled with the training min, max")
    np.testing.assert_allclose(kept, lo + (new - small) / (big - small) * (hi - lo), atol=1e-12)
    refit = arr(report, "scaled with the new batch's own min, max")
    np.testing.assert_allclose([refit.min(), refit.max()], [lo, hi], atol=1e-12)


def test_mean_std_by_hand_both_conventions():
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    assert mean_std_by_hand(values) == pytest.approx((5.0, 2.0))  # the textbook example
    assert mean_std_by_hand(values, 1)[1] == pytest.approx(statistics.stdev(values))


# ------------------------------------------------------------------------- standardization


@pytest.mark.parametrize(("seed", "knob"), [(0, {}), (3, {"scale": 7.0, "n_train": 15})])
def test_standardization_fits_on_train_and_applies_to_held_out(seed, knob):
    report = run("standardization", seed, **knob)
    torch.manual_seed(seed)  # the registry seeds, then the demo draws the training set first
    X = make_data(knob.get("n_train", 40), knob.get("scale", 100.0))[0].numpy()
    t = table(report, "train std")
    np.testing.assert_allclose(column(t, "train mean"), X.mean(0), rtol=1e-9)
    np.testing.assert_allclose(column(t, "train std"), X.std(0), rtol=1e-9)  # numpy divides by n
    conv = table(report, "divide by n - 1 (torch.std default)")
    np.testing.assert_allclose(
        column(conv, "divide by n - 1 (torch.std default)"), X.std(0, ddof=1), rtol=1e-9
    )
    x_ho = arr(report, "held-out x, first 3 rows")
    z_ho = arr(report, "held-out z (training mean, std), first 3 rows")
    np.testing.assert_allclose(z_ho, (x_ho - X.mean(0)) / X.std(0), atol=1e-9)
    ex = exercise(report, "std-default")
    assert ex.answer == pytest.approx(np.std(ex.given["values"], ddof=1))


def test_standardization_conditioning_and_learning_rate():
    report = run("standardization", 1)
    torch.manual_seed(1)
    X = make_data(40, 100.0)[0].numpy()
    A = np.hstack([X, np.ones((40, 1))])
    eig = np.linalg.eigvalsh(2 * A.T @ A / 40)
    t = table(report, "curvature ratio (condition)")
    raw = row(t, "raw features")
    assert float(raw[1]) == pytest.approx(eig[-1] / eig[0], rel=1e-2)
    assert float(raw[2]) == pytest.approx(1 / eig[-1], rel=1e-2)
    std = row(t, "standardized")
    assert std[4] == pytest.approx(row(t, "closed-form least squares")[4], rel=0.05)  # converged in 50 steps


def test_standardization_effect_is_information_when_scales_match():
    effects = [c for c in run("standardization", 0, scale=1.0).checks if c.kind == "effect"]
    assert effects and all(c.passed is None for c in effects)


# --------------------------------------------------------------------- batch normalization


def test_batch_norm_by_hand_on_numbers_worked_out_by_hand():
    x = torch.tensor([[1.0], [3.0]], dtype=f64)  # mean 2, biased var 1, unbiased var 2
    y, mean, var = batch_norm_by_hand(x, torch.tensor([1.0], dtype=f64), torch.tensor([0.0], dtype=f64))
    assert mean.item() == 2.0 and var.item() == 1.0
    assert y.flatten().tolist() == pytest.approx([-1 / math.sqrt(1 + 1e-5), 1 / math.sqrt(1 + 1e-5)])
    rm, rv = running_stats_update(torch.zeros(1, dtype=f64), torch.ones(1, dtype=f64), x, momentum=0.25)
    assert rm.item() == pytest.approx(0.5) and rv.item() == pytest.approx(0.75 * 1 + 0.25 * 2)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 9), c=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_batch_norm_backward_by_hand_matches_autograd(n, c, seed):
    g = torch.Generator().manual_seed(seed)
    x = (3 * torch.randn(n, c, generator=g, dtype=f64)).requires_grad_()
    gamma = torch.randn(c, generator=g, dtype=f64).requires_grad_()
    beta = torch.randn(c, generator=g, dtype=f64).requires_grad_()
    dy = torch.randn(n, c, generator=g, dtype=f64)
    F.batch_norm(x, None, None, gamma, beta, training=True).backward(dy)
    dx, dgamma, dbeta = batch_norm_backward(dy, x.detach(), gamma.detach())
    torch.testing.assert_close(dx, x.grad)
    torch.testing.assert_close(dgamma, gamma.grad)
    torch.testing.assert_close(dbeta, beta.grad)


@pytest.mark.parametrize(("seed", "knob"), [(2, {}), (4, {"momentum": 0.3, "batch": 5})])
def test_batch_norm_report_against_numpy(seed, knob):
    report = run("batch normalization", seed, **knob)
    m, n = knob.get("momentum", 0.1), knob.get("batch", 8)
    x = arr(report, f"batch x (N={n}, C=3)")
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
    want = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * gamma + beta  # np.var divides by N
    np.testing.assert_allclose(arr(report, "y"), want, atol=1e-12)
    np.testing.assert_allclose(arr(report, "batch variance (divide by N)"), x.var(0), atol=1e-12)
    first = row(table(report, "mean[0]"), 1)  # the running statistics after batch 1
    np.testing.assert_allclose(first[1:4], m * x.mean(0), atol=1e-12)
    np.testing.assert_allclose(first[4:7], (1 - m) + m * x.var(0, ddof=1), atol=1e-12)
    assert exercise(report, "start-weight").answer == pytest.approx((1 - m) ** 10)
    assert exercise(report, "numbers-per-mean").answer == n * 3 * 3
    t = table(report, "numbers per mean")
    assert row(t, "N, H, W (per channel)")[2] < 1e-9 < row(t, "N only (per channel and position)")[2]
