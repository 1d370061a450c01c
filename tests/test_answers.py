"""Grading typed answers to demo exercises: numbers, shapes and tuples, with tolerance."""

from __future__ import annotations

import pytest

from mlterms.demos.answers import flat, grade, is_right, parse
from mlterms.demos.report import Exercise


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        ("0.25", [0.25]),
        ("  -3  ", [-3.0]),
        ("1 16 5 5", [1, 16, 5, 5]),
        ("(1, 16, 5, 5)", [1, 16, 5, 5]),
        ("[2,3]", [2, 3]),
        ("2;  3,4", [2, 3, 4]),
        ("1e-3", [0.001]),
        ("", []),
        ("( )", []),
    ],
)
def test_parse_reads_numbers_separated_by_spaces_or_commas(typed, numbers):
    assert parse(typed) == numbers


@pytest.mark.parametrize("typed", ["forty", "2 x 3", "nan", "0.5.1"])
def test_parse_refuses_what_is_not_numbers(typed):
    assert parse(typed) is None


def test_flat_reads_numbers_shapes_and_matrices_row_major():
    assert flat(3) == [3.0]
    assert flat([[1, 2], [3, 4]]) == [1.0, 2.0, 3.0, 4.0]


def test_tolerance_is_inclusive_and_absolute():
    e = Exercise("p", "?", 0.25, tolerance=0.01)
    assert is_right([0.26], e) and is_right([0.24], e)
    assert not is_right([0.2601], e) and not is_right([0.2399], e)


def test_exact_answers_forgive_only_float_noise():
    e = Exercise("sum", "?", 0.1 + 0.2)  # 0.30000000000000004
    assert is_right([0.3], e)
    assert not is_right([0.3001], e)
    assert not is_right([15.0], Exercise("n", "?", 16))


def test_shapes_compare_in_order_and_length():
    e = Exercise("shape", "?", [1, 16, 5, 5])
    assert is_right([1, 16, 5, 5], e)
    assert not is_right([1, 16, 5], e) and not is_right([16, 1, 5, 5], e)
    assert not is_right([1, 16, 5, 5, 1], e)


def test_grade_blank_junk_and_end_of_input():
    e = Exercise("n", "?", 4)
    assert grade(e, "forty") is None  # ask again
    blank, gone, right = grade(e, ""), grade(e, None), grade(e, "4")
    assert (blank.typed, blank.right) == (None, False)
    assert (gone.typed, gone.right) == (None, False)
    assert (right.typed, right.right) == ([4.0], True)
