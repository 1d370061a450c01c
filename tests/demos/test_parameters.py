"""The parameters demos, recomputed independently: shapes multiplied out, numpy, closed forms."""

from __future__ import annotations

import math
import re

import pytest

from mlterms.demos.parameters.parameter import conv_count, linear_count

from .util import column, exercise, row, run, table

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
