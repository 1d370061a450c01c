"""The epoch and batch demos, recomputed: step counts by formula, gradients by per-example loops."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from .util import column, exercise, run, table


@pytest.mark.parametrize(
    ("n", "b", "drop"), [(50, 8, "no"), (50, 8, "yes"), (7, 7, "no"), (3, 128, "yes"), (129, 16, "no")]
)
def test_steps_per_epoch_by_formula(n, b, drop):
    report = run("epoch", 0, n=n, batch_size=b, drop_last=drop)
    want = n // b if drop == "yes" else math.ceil(n / b)
    assert exercise(report, "steps-per-epoch").answer == want
    assert column(table(report, "len(DataLoader)"), "len(DataLoader)") == [want]


def test_each_epoch_sees_the_kept_examples_once_and_steps_add_up():
    report = run("epoch", 1, n=50, batch_size=8, drop_last="yes", epochs=4)
    seen = table(report, "examples seen")
    assert column(seen, "examples seen") == [48, 48] and column(seen, "distinct") == [48, 48]
    assert column(seen, "first ids in order")[0] != column(seen, "first ids in order")[1]  # reshuffled
    curve = table(report, "validation MSE")
    assert column(curve, "steps so far") == [6 * e for e in range(1, 5)]


def test_batch_shape_and_sum_scaling():
    report = run("batch", 0, batch_size=6, features=5)
    assert exercise(report, "output-shape").answer == [6, 2]
    assert exercise(report, "sum-scale").answer == 6


def test_mean_loss_gradient_is_the_mean_of_per_example_gradients():
    """The claim of the batch demo, checked here on an independent model."""
    torch.manual_seed(0)
    w = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    x, y = torch.randn(5, 3, dtype=torch.float64), torch.tensor([0, 1, 2, 3, 1])
    (g_batch,) = torch.autograd.grad(F.cross_entropy(x @ w.T, y), [w])
    per = [torch.autograd.grad(F.cross_entropy(x[i : i + 1] @ w.T, y[i : i + 1]), [w])[0] for i in range(5)]
    assert torch.allclose(g_batch, torch.stack(per).mean(0), atol=1e-12)
    (g_sum,) = torch.autograd.grad(F.cross_entropy(x @ w.T, y, reduction="sum"), [w])
    assert torch.allclose(g_sum, 5 * g_batch, atol=1e-12)
