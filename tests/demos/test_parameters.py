"""The parameters demos, recomputed independently: shapes multiplied out, numpy, closed forms."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from mlterms.demos.parameters.parameter import conv_count, linear_count

from .util import column, exercise, row, run, table, tensor

# ----------------------------------------------------------------------- parameter


def test_counts_by_formula_on_numbers_worked_out_by_hand():
    assert linear_count(784, 128) == 100_480  # the glossary's example
    assert conv_count(3, 8, 3) == 8 * 27 + 8


@pytest.mark.parametrize("hidden", [1, 16, 100])
def test_parameter_table_numel_is_the_product_of_shapes_and_totals_match(hidden):
    rep = run("parameter", hidden=hidden)
    t = table(rep, "numel")
    for shape, numel in zip(column(t, "shape"), column(t, "numel"), strict=True):
        assert numel == math.prod(shape)
    mlp = sum(
        n for name, n in zip(column(t, "parameter"), column(t, "numel"), strict=True) if name[0].isdigit()
    )
    assert mlp == (10 + 1) * hidden + (hidden + 1) * 3
    totals = table(rep, "formula")
    assert row(totals, f"MLP 10 => {hidden} => 3")[2] == mlp


def test_parameter_exercise_counts_weights_and_biases():
    for seed in range(3):
        ex = exercise(run("parameter", seed), "linear-count")
        a, b = map(int, re.findall(r"\d+", ex.given["layer"]))
        assert ex.answer == a * b + b


def test_parameter_frozen_layer_has_no_grad():
    t = table(run("parameter", hidden=7), "grad after backward")
    grads = [g if g == "none" else list(g) for g in column(t, "grad after backward")]
    assert grads == ["none", "none", [3, 7], [3]]
    assert column(t, "requires_grad") == [False, False, True, True]


# ----------------------------------------------------------------------- weight


def arr(report, name: str) -> np.ndarray:
    return np.array(tensor(report, name).values, dtype=float)


def test_weight_y_is_x_times_w_transposed_plus_b():
    rep = run("weight")
    x, W, b = arr(rep, "x (N, in)"), arr(rep, "W (out, in)"), arr(rep, "b (out,)")
    assert W.shape == (3, 4)
    want = np.array([[x[n] @ W[j] + b[j] for j in range(3)] for n in range(2)])
    np.testing.assert_allclose(arr(rep, "y (N, out)"), want, atol=1e-9)
    ex = exercise(rep, "one-output")
    assert ex.answer == pytest.approx(np.dot(ex.given["w (W[0])"], ex.given["x"]) + ex.given["b"])


@pytest.mark.parametrize("fan_in", [1, 64, 300])
def test_weight_init_variance_table_matches_the_closed_form(fan_in):
    rep = run("weight", fan_in=fan_in)
    t = table(rep, "Var[y] measured")
    closed = column(t, "fan_in * Var[w] * Var[x]")
    assert closed == pytest.approx([fan_in, 1.0, 1 / 3])
    assert column(t, "Var[w]") == pytest.approx([1.0, 1 / fan_in, 1 / (3 * fan_in)])
    for want, got in zip(closed, column(t, "Var[y] measured"), strict=True):
        assert got == pytest.approx(want, rel=0.2)
    ex = exercise(rep, "output-variance")
    g = ex.given
    assert ex.answer == pytest.approx(g["fan_in"] * g["var_w"] * g["var_x"])


# ----------------------------------------------------------------------- bias


def test_bias_model_without_bias_keeps_b_at_zero_and_loses_off_the_origin():
    t = table(run("bias"), "held-out accuracy")
    no_bias, with_bias = row(t, "w·x (no bias)"), row(t, "w·x + b")
    assert no_bias[2] == 0.0
    # two classes around (4, 4) +- (1, 1): the fitted boundary w·x + b = 0 must pass between the
    # centres (3, 3) and (5, 5), so it crosses the diagonal near (4, 4): w·(4, 4) + b ~ 0
    w, b = np.array(with_bias[1]), with_bias[2]
    assert abs(w @ [4.0, 4.0] + b) < 0.25 * np.linalg.norm(w) * 4
    assert np.sign(w @ [5.0, 5.0] + b) > 0 > np.sign(w @ [3.0, 3.0] + b)


def test_bias_at_the_origin_is_not_needed():
    t = table(run("bias", offset=0.0), "held-out accuracy")
    accs = column(t, "held-out accuracy")
    assert abs(accs[0] - accs[1]) < 0.1 and min(accs) > 0.85


def test_bias_conv_exercise_and_bn_cancellation():
    rep = run("bias", 1)
    ex = exercise(rep, "conv-biases")
    assert ex.answer == int(re.findall(r"\d+", ex.given["layer"].split("(")[1])[1])  # one per output channel
    np.testing.assert_allclose(arr(rep, "bias grad before BN (out,)"), 0.0, atol=1e-9)
