"""The training demos, recomputed independently: numpy loops, closed forms, finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.demos import registry
from mlterms.demos.hand.training import gd, sgd_update
from mlterms.demos.training.backpropagation import backprop_by_hand
from mlterms.demos.training.forward_pass import autograd_graph
from mlterms.demos.training.iteration import iterations_per_epoch
from mlterms.demos.training.learning_rate import gd_on_quadratic

from .util import column, exercise, failures, row, run, table

NAMES = [
    "step",
    "iteration",
    "learning rate",
    "forward pass",
    "backpropagation",
    "hyperparameter",
    "fine tuning",
]


# --- the hand helpers -------------------------------------------------------------------------------


def numpy_sgd(p, grads, lr, momentum, weight_decay):
    """torch.optim.SGD's documented rule, in numpy: g += wd p; v = mu v + g (v = g first); p -= lr v."""
    p, v = np.array(p, dtype=float), None
    for g in grads:
        g = np.array(g) + weight_decay * p
        v = g if v is None else momentum * v + g
        p = p - lr * v
    return p


@settings(max_examples=30, deadline=None)
@given(
    lr=st.floats(0.001, 1.0),
    momentum=st.floats(0.0, 0.99),
    wd=st.floats(0.0, 0.5),
    seed=st.integers(0, 10_000),
)
def test_sgd_update_matches_numpy(lr, momentum, wd, seed):
    rng = np.random.default_rng(seed)
    p0, grads = rng.normal(size=4), [rng.normal(size=4) for _ in range(3)]
    p, v = [torch.tensor(p0)], [torch.zeros(4, dtype=torch.float64)]
    for g in grads:
        sgd_update(p, [torch.tensor(g)], v, lr, momentum, wd)
    assert p[0].numpy() == pytest.approx(numpy_sgd(p0, grads, lr, momentum, wd), abs=1e-10)


def test_gd_losses_match_numpy_gradient_descent():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    losses = gd([w], lambda: ((Xt @ w - yt) ** 2).mean(), lr=0.1, steps=5, momentum=0.5)
    wn, v, expected = np.zeros(3), np.zeros(3), []
    for _ in range(5):
        expected.append(((X @ wn - y) ** 2).mean())
        v = 0.5 * v + 2 * X.T @ (X @ wn - y) / 20
        wn = wn - 0.1 * v
    expected.append(((X @ wn - y) ** 2).mean())
    assert losses == pytest.approx(expected, rel=1e-10)


def test_gd_stops_when_the_loss_blows_up():
    w = torch.ones(1, dtype=torch.float64, requires_grad=True)
    losses = gd([w], lambda: 10 * (w**2).sum(), lr=1.0, steps=100)  # factor 1 - 20 = -19 per step
    assert len(losses) < 100 and losses[-1] > 1e12


# --- step -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "lr", "momentum"), [(0, 0.05, 0.9), (3, 0.08, 0.5), (5, 0.01, 0.0)])
def test_step_table_follows_the_momentum_rule(seed, lr, momentum):
    t = table(run("step", seed, lr=lr, momentum=momentum), "velocity v")
    (_, w0, g1, v1, w1), (_, w1_again, g2, v2, w2) = t.rows
    assert v1 == pytest.approx(g1)  # the first velocity is the gradient
    assert np.array(w1) == pytest.approx(np.array(w0) - lr * np.array(v1))
    assert w1_again == pytest.approx(w1)
    assert np.array(v2) == pytest.approx(momentum * np.array(v1) + np.array(g2))
    assert np.array(w2) == pytest.approx(np.array(w1) - lr * np.array(v2))


@pytest.mark.parametrize("k", [1, 3, 7])
def test_step_exercises_count_backwards_and_steps(k):
    report = run("step", 0, micro_batches=k)
    g = exercise(report, "optimizer-steps").given
    micro = -(-g["N"] // g["batch"])  # ceil by integer division
    assert exercise(report, "backward-calls").answer == g["epochs"] * micro
    assert exercise(report, "optimizer-steps").answer == g["epochs"] * -(-micro // k)
    assert row(table(report, "optimizer.step() calls"), k)[1:3] == [1, 1]


# --- iteration ----------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 200), batch_size=st.integers(1, 64), drop_last=st.booleans())
def test_iterations_per_epoch_matches_dataloader(n, batch_size, drop_last):
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last)
    expected = n // batch_size if drop_last else (n + batch_size - 1) // batch_size
    assert iterations_per_epoch(n, batch_size, drop_last) == expected == len(loader)


@pytest.mark.parametrize(("n", "batch_size", "epochs"), [(10, 4, 3), (37, 5, 2), (3, 8, 1)])
def test_iteration_report_counts(n, batch_size, epochs):
    report = run("iteration", 0, n=n, batch_size=batch_size, epochs=epochs)
    for size, bs, drop_last, hand, length, last in table(report, "len(DataLoader)").rows:
        assert hand == length == (size // bs if drop_last else math.ceil(size / bs))
        if length:
            assert last == (bs if drop_last or size % bs == 0 else size % bs)
    loop = table(report, "examples seen so far")
    assert column(loop, "examples seen so far") == [n * (e + 1) for e in range(epochs)]
    assert column(loop, "iterations (updates) so far")[-1] == epochs * math.ceil(n / batch_size)
    assert exercise(report, "per-epoch").answer == -(-n // batch_size)
    assert exercise(report, "per-epoch-drop-last").answer == n // batch_size


# --- learning rate ------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(a=st.floats(0.1, 10), c=st.floats(-5, 5), x0=st.floats(-5, 5), frac=st.floats(0.01, 1.9))
def test_gd_on_quadratic_closed_form_and_stability(a, c, x0, frac):
    lr = frac / a  # lr as a fraction of the stability limit 1/a
    xs = gd_on_quadratic(a, c, x0, lr, 10)
    factor = 1 - 2 * a * lr
    for t, x in enumerate(xs):
        assert x == pytest.approx(c + factor**t * (x0 - c), abs=1e-9)
    if abs(x0 - c) > 1e-3 and frac < 0.999:  # below the limit lr < 1/a the distance shrinks
        assert abs(xs[-1] - c) < abs(x0 - c)


@pytest.mark.parametrize(("lr", "a"), [(0.3, 2.0), (0.9, 0.5), (0.05, 4.0)])
def test_learning_rate_table_and_exercises(lr, a):
    report = run("learning rate", 0, lr=lr, a=a)
    t = table(report, "factor 1 - 2a*lr")
    for _, rate, factor, x_end, dist in t.rows:
        assert factor == pytest.approx(1 - 2 * a * rate)
        assert x_end == pytest.approx(1.5 + factor**20 * (-0.5 - 1.5), rel=1e-9, abs=1e-9)
        assert dist == pytest.approx(abs(x_end - 1.5), rel=1e-9, abs=1e-12)
    rates = {r[0]: r[1] for r in t.rows}
    assert rates["diverging"] > 1 / a > rates["good"] > rates["too small"]
    assert rates["yours (--set lr=...)"] == lr
    assert exercise(report, "largest-stable").answer == pytest.approx(1 / a)
    assert exercise(report, "one-step").answer == pytest.approx(-0.5 - lr * 2 * a * (-0.5 - 1.5))


def test_learning_rate_limit_in_many_dimensions_is_two_over_the_top_eigenvalue():
    t = table(run("learning rate", 1), "loss after 40 steps")
    below, above = row(t, "0.9 x 2/L"), row(t, "1.1 x 2/L")
    assert above[1] / below[1] == pytest.approx(1.1 / 0.9)
    assert below[2] == above[2] and below[3] < below[2] < above[3]


# --- forward pass, backpropagation -------------------------------------------------------------------


def test_forward_pass_graph_names():
    W = torch.randn(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    loss = (torch.randn(4, 3) @ W + b - torch.randn(4, 1)).abs().sum()
    nodes = [node for node, _ in autograd_graph(loss, {id(W): "W", id(b): "b"})]
    assert nodes[0] == "SumBackward0" and "AbsBackward0" in nodes and "MmBackward0" in nodes
    assert {"AccumulateGrad (W)", "AccumulateGrad (b)"} <= set(nodes)


@pytest.mark.parametrize(("seed", "n", "d"), [(0, 4, 3), (2, 9, 1)])
def test_forward_pass_exercises(seed, n, d):
    report = run("forward pass", seed, n=n, d=d)
    loss = exercise(report, "loss-value")
    assert loss.answer == pytest.approx(np.abs(np.array(loss.given["preds"]) - loss.given["targets"]).sum())
    assert exercise(report, "preds-shape").answer == [n, 1]
    assert len(table(report, "pred (by hand)").rows) == n


@pytest.mark.parametrize("seed", [0, 1])
def test_backprop_by_hand_matches_autograd_and_finite_differences(seed):
    g = torch.Generator().manual_seed(seed)
    dt = torch.float64
    x, y = torch.randn(5, 3, generator=g, dtype=dt), torch.randn(5, 2, generator=g, dtype=dt)
    params = [torch.randn(s, generator=g, dtype=dt) for s in ((4, 3), (4,), (2, 4), (2,))]

    def loss_fn(W1, b1, W2, b2):
        return F.mse_loss(torch.tanh(x @ W1.T + b1) @ W2.T + b2, y)

    grads = backprop_by_hand(x, y, *params)
    leaves = [p.clone().requires_grad_() for p in params]
    auto = torch.autograd.grad(loss_fn(*leaves), leaves)
    for name, a in zip(["W1", "b1", "W2", "b2"], auto, strict=True):
        assert torch.allclose(grads[name], a, atol=1e-12), name
    eps = 1e-6  # one entry of d W1 by central differences, independent of autograd
    plus, minus = [p.clone() for p in params], [p.clone() for p in params]
    plus[0][1, 2] += eps
    minus[0][1, 2] -= eps
    numeric = (loss_fn(*plus) - loss_fn(*minus)) / (2 * eps)
    assert grads["W1"][1, 2].item() == pytest.approx(numeric.item(), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize(("n", "hidden"), [(4, 4), (1, 9)])
def test_backprop_exercises(n, hidden):
    report = run("backpropagation", 0, n=n, hidden=hidden)
    d_out = exercise(report, "d-out")
    out, y = np.array(d_out.given["out"]), np.array(d_out.given["y"])
    assert d_out.answer == pytest.approx(2 * (out[0, 0] - y[0, 0]) / out.size)
    assert exercise(report, "grad-shape").answer == [hidden, 3]


# --- every knob value: reference and property checks hold ----------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_checks_hold_at_sampled_knob_values(name):
    demo = registry.get(name)
    if not demo.params:
        pytest.skip("no knobs")

    @settings(max_examples=6, deadline=None)
    @given(data=st.data())
    def check(data):
        values = {}
        for p in demo.params:
            if p.type == "int":
                values[p.name] = data.draw(st.integers(int(p.min), int(p.max)))
            elif p.type == "float":
                values[p.name] = data.draw(st.floats(p.min, p.max))
            else:
                values[p.name] = data.draw(st.sampled_from(p.choices))
        report = registry.run(name, data.draw(st.integers(0, 4)), values)
        assert report.passed, failures(report)

    check()


# --- hyperparameter, fine tuning ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_hyperparameter_choices_are_the_argmins_of_their_own_columns(seed):
    report = run("hyperparameter", seed)
    grid = table(report, "final train loss")
    finite = [r for r in grid.rows if math.isfinite(r[4])]
    for r in finite:  # validation is measured on other points than training: the numbers differ
        assert r[5] != pytest.approx(r[4], rel=1e-3)
    by_train, by_val = min(finite, key=lambda r: r[4]), min(finite, key=lambda r: r[5])
    chosen = table(report, "chosen by")
    assert row(chosen, "training loss")[1:3] == by_train[:2]
    assert row(chosen, "validation loss")[1:3] == by_val[:2]
    assert any(not math.isfinite(r[4]) for r in grid.rows if r[0] == 0.3)  # the diverging rate


def test_hyperparameter_parameter_count():
    net = torch.nn.Sequential(torch.nn.Linear(1, 256), torch.nn.Tanh(), torch.nn.Linear(256, 1))
    assert exercise(run("hyperparameter", 0), "n-parameters").answer == sum(
        p.numel() for p in net.parameters()
    )


@pytest.mark.parametrize("seed", [0, 2])
def test_fine_tuning_pretrained_features_beat_random_ones(seed):
    report = run("fine tuning", seed)
    probes = table(report, "task B, linear probe on a")
    assert row(probes, "pretrained body")[2] < row(probes, "random body (baseline)")[2]
    assert exercise(report, "probe-parameters").answer == sum(
        p.numel() for p in torch.nn.Linear(16, 1).parameters()
    )


def test_fine_tuning_without_pretraining_has_no_effect_to_assert():
    report = run("fine tuning", 0, pretrain_steps=0)
    assert [c.passed for c in report.checks if c.kind == "effect"] == [None]
