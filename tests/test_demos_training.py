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
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import registry
from mlterms.demos.regularization import dropout_by_hand, fit_lasso, ridge_closed_form, soft_threshold
from mlterms.demos.report import Report, Table, Tensor
from mlterms.demos.training import autograd_graph, backprop_by_hand, gd, gd_on_quadratic, iterations_per_epoch

CHEAP = [
    "dropout",
    "l1 regularization",
    "l2 regularization",
    "step",
    "iteration",
    "learning rate",
    "forward pass",
    "backpropagation",
]
TRAINING = ["hyperparameter", "fine tuning"]  # a few hundred optimizer steps each
NAMES = CHEAP + TRAINING
NO_CHECK_CLOSE = {
    "hyperparameter",
    "fine tuning",
    "iteration",
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


@pytest.mark.parametrize("name", ["dropout", "l1 regularization", "iteration", "backpropagation"])
def test_same_seed_same_report(name):
    assert asdict(registry.run(name, 3)) == asdict(registry.run(name, 3))


def test_demo_modules_do_not_import_torch_at_top():
    import ast
    import inspect

    from mlterms.demos import losses, regularization, training

    for module in (losses, regularization, training):
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


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 200), batch_size=st.integers(1, 64), drop_last=st.booleans())
def test_iterations_per_epoch_matches_dataloader(n, batch_size, drop_last):
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last)
    expected = n // batch_size if drop_last else (n + batch_size - 1) // batch_size
    assert iterations_per_epoch(n, batch_size, drop_last) == expected == len(loader)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_hand_gd_matches_torch_optim_sgd(momentum):
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(16, 3, generator=g), torch.randn(16, 1, generator=g)
    model = torch.nn.Linear(3, 1)
    ref = torch.nn.Linear(3, 1)
    ref.load_state_dict(model.state_dict())
    gd(model.parameters(), lambda: F.mse_loss(model(x), y), lr=0.05, steps=10, momentum=momentum)
    opt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=momentum)
    for _ in range(10):
        opt.zero_grad()
        F.mse_loss(ref(x), y).backward()
        opt.step()
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-6)


def test_iteration_report_table():
    t = table(registry.run("iteration", 0), "len(DataLoader)")
    for n, bs, drop_last, hand, length, last in t.rows:
        assert hand == length == (n // bs if drop_last else math.ceil(n / bs))
        if length:
            assert last == (bs if drop_last or n % bs == 0 else n % bs)


@settings(max_examples=50, deadline=None)
@given(
    a=st.floats(0.1, 10),
    c=st.floats(-5, 5),
    x0=st.floats(-5, 5),
    frac=st.floats(0.01, 1.9),  # lr as a fraction of the stability limit 1/a
)
def test_gd_on_quadratic_closed_form_and_stability(a, c, x0, frac):
    lr = frac / a
    xs = gd_on_quadratic(a, c, x0, lr, 10)
    factor = 1 - 2 * a * lr
    for t, x in enumerate(xs):
        assert x == pytest.approx(c + factor**t * (x0 - c), abs=1e-9)
    if abs(x0 - c) > 1e-3 and abs(factor) < 1:  # below the limit lr < 1/a: distance shrinks every step
        assert abs(xs[-1] - c) < abs(x0 - c)


def test_learning_rate_report_limit_is_one_over_a():
    t = table(registry.run("learning rate", 0), "factor 1 - 2a*lr")
    rows = {row[0]: row for row in t.rows}
    a = 2.0  # the demo's f(x) = 2 (x - 1.5)^2
    assert rows["the limit (1/a)"][1] == 1 / a
    assert rows["one-step (1/(2a))"][1] == 1 / (2 * a)
    assert rows["diverging"][1] > 1 / a > rows["good"][1] > rows["slow"][1]


@pytest.mark.parametrize("seed", [0, 1])
def test_backprop_by_hand_matches_autograd_and_finite_differences(seed):
    g = torch.Generator().manual_seed(seed)
    dt = torch.float64
    x, y = torch.randn(5, 3, generator=g, dtype=dt), torch.randn(5, 2, generator=g, dtype=dt)
    params = [
        torch.randn(4, 3, generator=g, dtype=dt),
        torch.randn(4, generator=g, dtype=dt),
        torch.randn(2, 4, generator=g, dtype=dt),
        torch.randn(2, generator=g, dtype=dt),
    ]

    def loss_fn(W1, b1, W2, b2):
        return F.mse_loss(torch.tanh(x @ W1.T + b1) @ W2.T + b2, y)

    grads = backprop_by_hand(x, y, *params)
    leaves = [p.clone().requires_grad_() for p in params]
    auto = torch.autograd.grad(loss_fn(*leaves), leaves)
    for name, a in zip(["W1", "b1", "W2", "b2"], auto, strict=True):
        assert torch.allclose(grads[name], a, atol=1e-12), name
    # one entry of d W1 by central differences, independent of autograd
    eps = 1e-6
    plus, minus = [p.clone() for p in params], [p.clone() for p in params]
    plus[0][1, 2] += eps
    minus[0][1, 2] -= eps
    numeric = (loss_fn(*plus) - loss_fn(*minus)) / (2 * eps)
    assert grads["W1"][1, 2].item() == pytest.approx(numeric.item(), rel=1e-6, abs=1e-9)


def test_forward_pass_graph_names():
    W = torch.randn(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    loss = (torch.randn(4, 3) @ W + b - torch.randn(4, 1)).abs().sum()
    rows = autograd_graph(loss, {id(W): "W", id(b): "b"})
    nodes = [node for node, _ in rows]
    assert nodes[0] == "SumBackward0" and "AbsBackward0" in nodes and "MmBackward0" in nodes
    assert {"AccumulateGrad (W)", "AccumulateGrad (b)"} <= set(nodes)


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
