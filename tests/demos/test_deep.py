"""The deep-network demos, recomputed independently with numpy, finite differences and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlterms.demos.hand.deep import backward, forward, init_std

from .util import column, exercise, run, table, tensor

f64 = torch.float64


# --- hand/deep.py ----------------------------------------------------------------------------------


def numpy_stack_loss(x, ws, g, name, skip):
    f = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0)}[name]
    h = x
    for w in ws:
        h = h + f(h @ w.T) if skip else f(h @ w.T)
    return float((h * g).sum())


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("skip", [False, True])
def test_backward_matches_finite_differences(name, skip):
    rng = np.random.default_rng(1)
    x, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    ws = [rng.normal(size=(4, 4)) * 0.6 for _ in range(3)]
    hs, zs = forward(torch.tensor(x), [torch.tensor(w) for w in ws], name, skip)
    grads, gs = backward([torch.tensor(w) for w in ws], hs, zs, torch.tensor(g), name, skip)
    h = 1e-6
    for layer in (0, 2):
        for i, j in ((0, 1), (3, 2)):
            up = [w.copy() for w in ws]
            down = [w.copy() for w in ws]
            up[layer][i, j] += h
            down[layer][i, j] -= h
            diff = numpy_stack_loss(x, up, g, name, skip) - numpy_stack_loss(x, down, g, name, skip)
            want = diff / (2 * h)
            assert grads[layer][i, j].item() == pytest.approx(want, abs=1e-7)
    assert len(gs) == 4 and gs[-1].numpy() == pytest.approx(g)


def test_init_std_against_nn_init_gains():
    gain = torch.nn.init.calculate_gain
    assert init_std(100, 300, "xavier") == pytest.approx(gain("linear") * math.sqrt(2 / 400))
    assert init_std(50, 10, "he") == pytest.approx(gain("relu") / math.sqrt(50))
    assert init_std(64, 8, "lecun") == pytest.approx(1 / 8)


# --- vanishing gradient ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [6, 12])
def test_vanishing_table_is_consistent_with_sigmoid_quarter(depth):
    report = run("vanishing gradient", 1, depth=depth)
    t = table(report, "factor per layer")
    logs = dict(zip(column(t, "activation"), column(t, "log10 first/last"), strict=True))
    rates = dict(zip(column(t, "activation"), column(t, "factor per layer"), strict=True))
    for name, log_ratio in logs.items():
        assert rates[name] == pytest.approx(10 ** (log_ratio / (depth - 1)))
    rms = dict(zip(column(t, "activation"), column(t, "rms f'(z)"), strict=True))
    assert rms["sigmoid"] <= 0.25  # sigmoid' never exceeds 1/4
    assert 0.2 < rates["sigmoid"] < 0.3  # Xavier keeps W^T's size: the factor is sigmoid's slope
    assert 0.4 < rms["relu"] < 0.9  # about half the relu units are active: sqrt(1/2)
    stds = dict(zip(column(t, "activation"), column(t, "init std"), strict=True))
    assert stds["relu"] == f"he {math.sqrt(2 / 32):.3f}" and stds["tanh"] == f"xavier {math.sqrt(2 / 64):.3f}"


def test_vanishing_exercises():
    report = run("vanishing gradient", 2)
    chain = exercise(report, "sigmoid-chain-bound")
    k, w = chain.given["k"], chain.given["w"]
    x = torch.tensor(0.0, dtype=f64, requires_grad=True)
    y = torch.sigmoid(w * x)
    for _ in range(k - 1):  # a bias of -w/2 keeps every unit's input at 0, where its slope is 1/4
        y = torch.sigmoid(w * y - w / 2)
    y.backward()
    assert chain.answer == pytest.approx(x.grad.item(), rel=1e-9)
    need = exercise(report, "layers-to-1e-3")
    n, size = 0, 1.0
    while size >= 1e-3:
        n, size = n + 1, size * need.given["factor"]
    assert need.answer == n


# --- exploding gradient ----------------------------------------------------------------------------


def test_bptt_and_unroll_match_numpy():
    from mlterms.demos.deep.exploding_gradient import bptt, loss_of, unroll

    rng = np.random.default_rng(4)
    w, h0, y = rng.normal(size=(3, 3)) * 0.8, rng.normal(size=3), rng.normal(size=3)
    hs = unroll(torch.tensor(w), torch.tensor(h0), 5)
    assert hs[-1].numpy() == pytest.approx(np.linalg.matrix_power(w, 5) @ h0)
    dw, gs = bptt(torch.tensor(w), hs, hs[-1] - torch.tensor(y))
    assert gs[0].numpy() == pytest.approx(np.linalg.matrix_power(w.T, 5) @ (hs[-1].numpy() - y))
    h = 1e-6
    for i, j in ((0, 0), (1, 2), (2, 1)):
        up, down = w.copy(), w.copy()
        up[i, j] += h
        down[i, j] -= h
        diff = loss_of(torch.tensor(up), torch.tensor(h0), torch.tensor(y), 5) - loss_of(
            torch.tensor(down), torch.tensor(h0), torch.tensor(y), 5
        )
        assert dw[i, j].item() == pytest.approx(diff.item() / (2 * h), abs=1e-6)


@pytest.mark.parametrize(("rho", "steps"), [(1.1, 40), (0.7, 12)])
def test_exploding_ratio_is_rho_to_the_t_and_clipping_bounds_the_step(rho, steps):
    report = run("exploding gradient", 3, rho=rho, steps=steps)
    t = table(report, "rho^T")
    for scale, _, _, ratio, *_ in t.rows:
        assert ratio == pytest.approx(scale**steps, rel=1e-9)
    step = table(report, "step's gradient norm")
    runs = {row[0]: row for row in step.rows}
    assert runs["exploding"][2] == runs["exploding, clipped"][2]  # the same gradient before clipping
    assert runs["exploding, clipped"][3] == pytest.approx(min(1.0, runs["exploding"][2]))
    assert runs["safe"][1] == 0.9 and runs["exploding"][1] == rho
    ex = exercise(report, "steps-to-100x")
    n, size = 0, 1.0
    while size < 100:
        n, size = n + 1, size * ex.given["rho"]
    assert ex.answer == n


# --- weight initialization -------------------------------------------------------------------------


@pytest.mark.parametrize("width", [16, 64])
def test_weight_init_formulas_and_stds(width):
    report = run("weight initialization", 1, width=width)
    t = table(report, "sample variance")
    want = {"xavier_normal_": 2 / (width + 2048), "kaiming_normal_ (relu, fan_in)": 2 / width}
    want["xavier_uniform_"] = (6 / (width + 2048)) / 3  # U(-a, a) has variance a^2 / 3
    for name, var, _, sample, _ in t.rows:
        assert var == pytest.approx(want[name])
        assert sample == pytest.approx(want[name], rel=0.05)
    depth = table(report, "std of W")
    stds = {(row[0], row[1]): row[2] for row in depth.rows}
    assert stds[("relu", "he")] == pytest.approx(math.sqrt(2 / width))
    assert stds[("tanh", "xavier")] == pytest.approx(math.sqrt(1 / width))


def test_descend_is_gradient_descent_on_the_mse():
    from mlterms.demos.deep.weight_initialization import descend

    rng = np.random.default_rng(2)
    x, y, w = rng.normal(size=(20, 3)), rng.normal(size=20), rng.normal(size=(1, 3))
    leaf = torch.tensor(w, requires_grad=True)  # one layer: the net is linear, x @ w.T
    losses = descend([leaf], torch.tensor(x), torch.tensor(y), steps=3, lr=0.1)
    for k in range(3):
        err = x @ w[0] - y
        assert losses[k] == pytest.approx((err**2).mean())
        w = w - 0.1 * 2 * (x.T @ err)[None, :] / 20
    assert leaf.detach().numpy() == pytest.approx(w)


def test_weight_init_exercises():
    report = run("weight initialization", 3)
    he, bound = exercise(report, "he-std"), exercise(report, "xavier-uniform-bound")
    assert he.answer == pytest.approx(math.sqrt(2 / he.given["fan_in"]))
    # nn.init's own bound: the largest |w| of many xavier_uniform_ draws approaches it from below
    g = bound.given
    repeats = 1 + 40_000 // (g["fan_out"] * g["fan_in"])
    draws = [
        torch.nn.init.xavier_uniform_(torch.empty(g["fan_out"], g["fan_in"], dtype=f64))
        for _ in range(repeats)
    ]
    top = max(float(d.abs().max()) for d in draws)
    assert 0.995 * bound.answer < top <= bound.answer


# --- chain rule ------------------------------------------------------------------------------------


def test_chain_rule_helpers_against_numpy_formulas():
    from mlterms.demos.deep.chain_rule import composite_grad, jacobians_by_hand

    x = np.array([-1.2, 0.3, 0.9])
    grad, _ = composite_grad(torch.tensor(x))
    assert grad.numpy() == pytest.approx(np.exp(np.sin(x**2)) * np.cos(x**2) * 2 * x)
    a, b = 0.7, -0.4
    jf, jg = jacobians_by_hand(torch.tensor([a, b]))
    # f(g(a, b)) = a b sin(a + b) + a^4, differentiated by hand
    want = [b * np.sin(a + b) + a * b * np.cos(a + b) + 4 * a**3, a * np.sin(a + b) + a * b * np.cos(a + b)]
    assert (jf @ jg).squeeze(0).numpy() == pytest.approx(want)


def test_chain_rule_table_and_exercises():
    report = run("chain rule", 2)
    t = table(report, "product (chain rule)")
    for x, du, dv, dy, prod, auto, fd in t.rows:
        assert du == pytest.approx(2 * x) and dv == pytest.approx(math.cos(x * x))
        assert dy == pytest.approx(math.exp(math.sin(x * x))) and auto == pytest.approx(prod)
        assert prod == pytest.approx(math.exp(math.sin(x * x)) * math.cos(x * x) * 2 * x)
        assert fd == pytest.approx(prod, abs=1e-6)
    ex = exercise(report, "d-exp-sin-square")
    x0 = torch.tensor(ex.given["x"], dtype=f64, requires_grad=True)
    torch.exp(torch.sin(x0**2)).backward()
    assert ex.answer == pytest.approx(x0.grad.item())
    paths = table(report, "df/dz_k * dz_k/dx1")
    x1, x2 = tensor(report, "x").values  # f(g(x)) = x1 x2 sin(x1 + x2) + x1^4
    want = x2 * math.sin(x1 + x2) + x1 * x2 * math.cos(x1 + x2) + 4 * x1**3
    assert sum(column(paths, "df/dz_k * dz_k/dx1")) == pytest.approx(want)
    assert tensor(report, "J_f @ J_g").values[0][0] == pytest.approx(want)


# --- computational graph ---------------------------------------------------------------------------


def test_nodes_and_walk_on_another_expression():
    from mlterms.demos.deep.computational_graph import backprop_by_walk, nodes_of

    x = torch.tensor(1.3, dtype=f64, requires_grad=True)
    y = torch.tensor(-0.6, dtype=f64, requires_grad=True)
    loss = (x * x).sin() * y + x
    names = sorted(type(n).__name__ for n in nodes_of(loss.grad_fn))
    assert names == sorted(
        ["AddBackward0", "MulBackward0", "MulBackward0", "SinBackward0"] + ["AccumulateGrad"] * 2
    )
    grads = backprop_by_walk(loss)
    assert grads[x].item() == pytest.approx(math.cos(1.3**2) * 2 * 1.3 * -0.6 + 1)
    assert grads[y].item() == pytest.approx(math.sin(1.3**2))


def test_computational_graph_report():
    report = run("computational graph", 4)
    t = table(report, "by walking the nodes")
    (_, a, walk_a, back_a, _), (_, b, walk_b, back_b, _) = t.rows
    assert walk_a == pytest.approx((b + math.exp(a)) * b) and back_a == pytest.approx(walk_a)
    assert walk_b == pytest.approx(2 * a * b + math.exp(a)) and back_b == pytest.approx(walk_b)
    assert len(table(report, "inputs (next_functions)").rows) == exercise(report, "node-count").answer == 6
    two = exercise(report, "grad-after-two-passes")
    assert two.answer == pytest.approx(2 * (two.given["b"] + math.exp(two.given["a"])) * two.given["b"])


# --- perceptron ------------------------------------------------------------------------------------


def test_perceptron_rule_on_known_numbers():
    from mlterms.demos.deep.perceptron import train

    x = torch.tensor([[1.0, 2.0, 1.0], [-1.0, -1.0, 1.0], [2.0, 0.5, 1.0]], dtype=f64)
    y = torch.tensor([1.0, -1.0, 1.0], dtype=f64)
    w, path, per_epoch = train(x, y)
    # epoch 1: w = 0 misses x0 -> (1, 2, 1); x1: -(-1 - 2 + 1) = 2 > 0 fine; x2: 2 + 1 + 1 > 0 fine
    assert [p.tolist() for p in path] == [[0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]
    assert per_epoch == [1, 0] and w.tolist() == [1.0, 2.0, 1.0]


@pytest.mark.parametrize(("margin", "n"), [(0.5, 40), (0.2, 80)])
def test_perceptron_report_bound_and_exercise(margin, n):
    report = run("perceptron", 1, margin=margin, n=n)
    t = {row[0]: row[1] for row in table(report, "quantity").rows}
    assert t["bound (R / gamma)^2"] == pytest.approx(
        (t["R = max ||x||"] / t["gamma = margin of the true line"]) ** 2
    )
    assert (
        t["gamma = margin of the true line"] > margin / 2 / math.sqrt(1 + 0.5**2) - 1e-12
    )  # the gap, augmented
    assert t["R = max ||x||"] <= math.sqrt(2**2 + 2**2 + 1)  # points in [-2, 2]^2, plus the constant 1
    assert t["updates (mistakes)"] <= t["bound (R / gamma)^2"] and t["training accuracy"] == 1.0
    ex = exercise(report, "one-update")
    assert ex.answer == pytest.approx([ex.given["y"] * v for v in ex.given["x"]])
    assert abs(ex.given["x"][2] - 1.0) < 1e-12 and ex.given["y"] in (-1.0, 1.0)


def test_perceptron_xor_table():
    t = table(run("perceptron", 0), "perceptron on (h1, h2)")
    for x1, x2, label, h1, h2, out in t.rows:
        assert label == (1.0 if (x1 != x2) else -1.0)
        assert (h1, h2) == (float(x1 or x2), float(x1 and x2)) and out == label


# --- layer normalization ---------------------------------------------------------------------------


@pytest.mark.parametrize(("batch", "features"), [(4, 6), (3, 2)])
def test_layer_norm_rows_against_numpy(batch, features):
    report = run("layer normalization", 2, batch=batch, features=features)
    x = np.array(tensor(report, "x").values)
    got = np.array(tensor(report, "layer_norm(x), gamma = 1, beta = 0").values)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)  # per row, biased
    assert got == pytest.approx((x - mean) / np.sqrt(var + 1e-5), abs=1e-12)
    stats = table(report, "biased var of x")
    assert column(stats, "mean of x") == pytest.approx(list(mean[:, 0]))
    assert column(stats, "biased var of x") == pytest.approx(list(var[:, 0]))
    ln = np.array(tensor(report, "example 0, layer norm, batch A and batch B").values)
    assert ln[0] == pytest.approx(got[0], abs=1e-12) and ln[1] == pytest.approx(got[0], abs=1e-12)
    bn = np.array(tensor(report, "example 0, batch norm (train mode), batch A and batch B").values)
    col_mean, col_var = x.mean(axis=0), x.var(axis=0)  # batch norm: per column, over the batch A
    assert bn[0] == pytest.approx((x[0] - col_mean) / np.sqrt(col_var + 1e-5), abs=1e-10)


def test_layer_norm_exercise():
    ex = exercise(run("layer normalization", 3), "normalise-a-row")
    row = np.array(ex.given["row"])
    assert ex.answer == pytest.approx((row[0] - row.mean()) / row.std())
