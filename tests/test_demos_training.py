"""Tests for the training, losses and regularization demos.

Each demo must pass its own checks under several seeds; on top of that, these tests recompute the main
claims independently (closed forms, numpy, finite differences, counts) so a demo cannot pass by checking
itself.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import registry
from mlterms.demos.regularization_legacy import dropout_by_hand, fit_lasso, ridge_closed_form, soft_threshold
from mlterms.demos.report import Report, Table, Tensor

CHEAP = ["dropout", "l1 regularization", "l2 regularization"]
TRAINING = ["hyperparameter", "fine tuning"]  # a few hundred optimizer steps each
NAMES = CHEAP + TRAINING
NO_CHECK_CLOSE = {
    "hyperparameter",
    "fine tuning",
}  # exact checks: counts, equality, parameter diffs


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """The demos are tiny: intra-op threads only add overhead (badly so on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def failures(report: Report) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in report.checks if not c.passed]


def tensor(report: Report, name: str) -> Tensor:
    found = [it for s in report.sections for it in s.items if isinstance(it, Tensor) and it.name == name]
    assert len(found) == 1, f"no single tensor {name!r}"
    return found[0]


def table(report: Report, column: str) -> Table:
    """The first table with the given column."""
    found = [it for s in report.sections for it in s.items if isinstance(it, Table) and column in it.columns]
    assert found, f"no table with column {column!r}"
    return found[0]


def column(t: Table, name: str) -> list:
    j = t.columns.index(name)
    return [row[j] for row in t.rows]


# --- every demo runs and passes ---------------------------------------------------------------------


def test_all_registered():
    assert set(NAMES) <= set(registry.names())


@pytest.mark.parametrize("name", NAMES)
def test_demo_passes_seed_0(name):
    report = registry.run(name, seed=0)
    assert report.summary and report.sections and report.checks
    if name not in NO_CHECK_CLOSE:  # a hand-vs-PyTorch comparison, with its max|diff|
        assert any(c.detail.startswith("max|diff|") for c in report.checks)
    assert report.passed, failures(report)


@pytest.mark.parametrize("seed", [1, 2, 3, 7, 13, 21])
@pytest.mark.parametrize("name", CHEAP)
def test_cheap_demos_pass_other_seeds(name, seed):
    report = registry.run(name, seed)
    assert report.passed, failures(report)


@pytest.mark.parametrize("name", TRAINING)
def test_training_demos_pass_another_seed(name):
    report = registry.run(name, seed=5)
    assert report.passed, failures(report)


@pytest.mark.parametrize("name", ["dropout", "l1 regularization"])
def test_same_seed_same_report(name):
    assert asdict(registry.run(name, 3)) == asdict(registry.run(name, 3))


def test_demo_modules_do_not_import_torch_at_top():
    import ast
    import inspect

    from mlterms.demos import regularization_legacy, training_legacy

    for module in (regularization_legacy, training_legacy):
        tree = ast.parse(inspect.getsource(module))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top for a in n.names] + [
            n.module or "" for n in top if isinstance(n, ast.ImportFrom)
        ]
        assert not any(x.split(".")[0] in {"torch", "numpy"} for x in names), module.__name__


# --- regularization -------------------------------------------------------------------------------


def test_dropout_by_hand_numbers():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    keep = torch.tensor([1.0, 0.0, 1.0, 0.0])
    assert dropout_by_hand(x, keep, 0.5).tolist() == [2.0, 0.0, 6.0, 0.0]
    assert dropout_by_hand(x, keep, 0.75).tolist() == [4.0, 0.0, 12.0, 0.0]


def test_dropout_report_outputs_are_zero_or_scaled():
    report = registry.run("dropout", 4)
    x = np.array(tensor(report, "x").values)
    out = np.array(tensor(report, "nn.Dropout(p=0.5)(x)").values)
    keep = np.array(tensor(report, "keep mask (by hand)").values)
    assert np.allclose(out, x * keep * 2)
    counts = column(table(report, "dropped"), "dropped")
    masks = column(table(report, "dropped"), "keep mask")
    assert counts == [m.split().count("0") for m in masks]


def test_soft_threshold_numbers_and_no_negative_zero():
    w = torch.tensor([3.0, -0.5, 0.2, -2.0, 1.0])
    out = soft_threshold(w, 1.0)
    assert out.tolist() == [2.0, 0.0, 0.0, -1.0, 0.0]
    assert not torch.signbit(out[out == 0]).any()


def test_lasso_matches_closed_form_for_orthonormal_features():
    # with X^T X / N = I the lasso solution is soft_threshold(X^T y / N, lam / 2), coordinate by coordinate
    g = torch.Generator().manual_seed(0)
    n, d, lam = 50, 6, 0.4
    q, _ = torch.linalg.qr(torch.randn(n, d, generator=g, dtype=torch.float64))
    X = q * math.sqrt(n)  # (N, D) orthogonal columns, X^T X / N = I
    y = X @ torch.tensor([1.0, -0.1, 0.5, 0.05, -2.0, 0.0], dtype=torch.float64)
    y = y + 0.1 * torch.randn(n, generator=g, dtype=torch.float64)
    w_ols = X.T @ y / n
    expected = torch.sign(w_ols) * torch.clamp(w_ols.abs() - lam / 2, min=0)
    assert torch.allclose(fit_lasso(X, y, lam), expected, atol=1e-10)
    assert int((expected == 0).sum()) >= 2  # the example really does zero some weights


@settings(max_examples=25, deadline=None)
@given(lam=st.floats(0.0, 5.0), seed=st.integers(0, 10_000))
def test_ridge_closed_form_zeroes_the_gradient(lam, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(20, 3, generator=g, dtype=torch.float64)
    y = torch.randn(20, generator=g, dtype=torch.float64)
    w = ridge_closed_form(X, y, lam).requires_grad_()
    (((X @ w - y) ** 2).mean() + lam * (w**2).sum()).backward()
    assert w.grad.abs().max() < 1e-9


@settings(max_examples=25, deadline=None)
@given(lr=st.floats(0.001, 0.5), lam=st.floats(0.0, 2.0), seed=st.integers(0, 10_000))
def test_l2_penalty_step_is_weight_decay(lr, lam, seed):
    g = torch.Generator().manual_seed(seed)
    w0, grad = (
        torch.randn(5, generator=g, dtype=torch.float64),
        torch.randn(5, generator=g, dtype=torch.float64),
    )
    w = w0.clone().requires_grad_()
    w.grad = grad.clone()
    torch.optim.SGD([w], lr=lr, weight_decay=2 * lam).step()
    assert torch.allclose(w.detach(), w0 - lr * (grad + 2 * lam * w0), atol=1e-12)


def test_l2_report_weights_shrink_with_lambda():
    t = table(registry.run("l2 regularization", 6), "||w||")
    lams, norms = column(t, "lambda"), column(t, "||w||")
    assert lams == sorted(lams) and norms == sorted(norms, reverse=True)


# --- training -------------------------------------------------------------------------------------


def test_hyperparameter_report_best_is_argmin_of_validation_column():
    report = registry.run("hyperparameter", 0)
    t = table(report, "validation loss")
    for width, n_params in zip(column(t, "width"), column(t, "# parameters"), strict=True):
        assert n_params == 3 * width + 1
    j = t.columns.index("validation loss")
    best = min(t.rows, key=lambda row: row[j])
    scalars = {it.name: it.value for s in report.sections for it in s.items if it.kind == "scalar"}
    assert scalars["best on validation"] == f"learning rate {best[0]}, width {best[1]}"


def test_fine_tuning_report_only_the_head_moves():
    t = table(registry.run("fine tuning", 0), "max |change|")
    for _name, part, requires_grad, _shape, change in t.rows:
        assert requires_grad == (part == "head")
        assert (change > 0) == (part == "head")
