"""Tests for the basics demos (mlterms/demos/basics.py); the layers demos are in tests/demos/.

Every demo checks itself against PyTorch; these tests also recompute the key numbers
independently (numpy, closed forms, hand-computed values), so a demo cannot pass by checking
only itself.
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import basics, registry

NAMES = [
    "rank",
    "feature",
    "label",
    "model",
    "normalization",
    "batch normalization",
]
f64 = torch.float64
fast = settings(max_examples=15, deadline=None)


def item(report, kind: str, name: str):
    """The first item of a kind ('tensor', 'scalar', 'table', ...) with that name or title."""
    for section in report.sections:
        for it in section.items:
            if it.kind == kind and (getattr(it, "name", None) == name or getattr(it, "title", None) == name):
                return it
    raise KeyError(f"{kind} {name!r} not in report {report.term!r}")


# ---------------------------------------------------------------------------- every demo


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_demo_runs_and_all_checks_pass(name, seed):
    report = registry.run(name, seed)
    assert report.sections and report.summary
    assert report.checks, "every demo makes checks"
    assert report.passed, [(c.name, c.detail) for c in report.checks if not c.passed]
    compared = [c for c in report.checks if c.detail.startswith("max|diff|") or " == " in c.detail]
    assert compared, "at least one check compares a computed value with a reference"


@pytest.mark.parametrize("name", ["model", "rank"])
def test_demo_is_deterministic_for_a_seed(name):
    a, b = registry.run(name, 3), registry.run(name, 3)
    assert repr(a) == repr(b)  # repr, not ==: the naive softmax holds nan, and nan != nan


def test_feature_and_label_share_one_demo():
    assert registry.run("feature", 0).sections == registry.run("label", 0).sections


def test_importing_the_demos_does_not_import_torch():
    code = "import sys, mlterms.demos.basics; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------------------- basics


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
    assert basics.matrix_rank_by_hand(torch.tensor(rows)) == want


@fast
@given(r=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_matrix_rank_by_hand_of_low_rank_products(r, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(5, r)) @ rng.normal(size=(r, 4))  # rank r (almost surely)
    assert basics.matrix_rank_by_hand(torch.tensor(A)) == np.linalg.matrix_rank(A) == r


def test_nesting_depth():
    assert [basics.nesting_depth(v) for v in (3.0, [1.0], [[1.0]], [[[1.0, 2.0]]])] == [0, 1, 2, 3]


@fast
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=10).filter(
        lambda v: max(v) - min(v) > 1e-3
    )
)
def test_min_max_and_population_std(values):
    x = torch.tensor(values, dtype=f64)
    for lo, hi in ((0.0, 1.0), (-1.0, 1.0)):
        y = basics.min_max(x, lo, hi)
        assert y.min().item() == pytest.approx(lo, abs=1e-9) and y.max().item() == pytest.approx(hi, abs=1e-9)
    mean, std = basics.mean_std_by_hand(x)
    assert mean == pytest.approx(statistics.fmean(values), abs=1e-9)
    assert std == pytest.approx(statistics.pstdev(values), rel=1e-9, abs=1e-9)


def test_batch_norm_by_hand_on_numbers_worked_out_by_hand():
    x = torch.tensor([[1.0], [3.0]], dtype=f64)  # mean 2, biased var 1, unbiased var 2
    y, mean, var = basics.batch_norm_by_hand(
        x, torch.tensor([1.0], dtype=f64), torch.tensor([0.0], dtype=f64)
    )
    assert mean.item() == 2.0 and var.item() == 1.0
    assert y.flatten().tolist() == pytest.approx([-1 / math.sqrt(1 + 1e-5), 1 / math.sqrt(1 + 1e-5)])
    rm, rv = basics.running_stats_update(torch.zeros(1, dtype=f64), torch.ones(1, dtype=f64), x)
    assert rm.item() == pytest.approx(0.2) and rv.item() == pytest.approx(0.9 * 1 + 0.1 * 2)


def test_batch_norm_report_against_numpy():
    report = registry.run("batch normalization", 2)
    x = np.array(item(report, "tensor", "batch x (N=8, C=3)").values)
    y = np.array(item(report, "tensor", "y").values)
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
    want = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * gamma + beta  # np.var divides by N
    np.testing.assert_allclose(y, want, atol=1e-12)
    np.testing.assert_allclose(item(report, "tensor", "batch variance (divide by N)").values, x.var(0))
    first = report.sections[1].items[1].rows[0]  # running statistics after batch 1
    np.testing.assert_allclose(first[1:4], 0.1 * x.mean(0), atol=1e-12)
    np.testing.assert_allclose(first[4:7], 0.9 + 0.1 * x.var(0, ddof=1), atol=1e-12)


def test_normalization_report_against_statistics():
    report = registry.run("normalization", 5)
    rows = report.sections[0].items[0].rows
    x = [row[0] for row in rows]
    lo, hi, mu, sd = min(x), max(x), statistics.fmean(x), statistics.pstdev(x)
    for v, mm01, mm11, z in rows:
        assert mm01 == pytest.approx((v - lo) / (hi - lo))
        assert mm11 == pytest.approx(2 * (v - lo) / (hi - lo) - 1)
        assert z == pytest.approx((v - mu) / sd)


def test_feature_label_split():
    report = registry.run("feature", 0)
    X = item(report, "tensor", "X: features (N, 3)")
    y = item(report, "tensor", "y: labels (N,)")
    assert X.shape == [5, 3] and y.shape == [5]
    assert [row[:3] for row in basics.HOUSES] == X.values
    assert [row[3] for row in basics.HOUSES] == y.values
