"""Exercise questions drawn compactly: given values as one line, wrapped rows, or a row per line."""

from __future__ import annotations

from mlterms.render.exercise import answer_text, given_lines


def test_numbers_and_short_rows_are_one_line():
    assert given_lines("stride", 2, 80) == ["stride = 2"]
    assert given_lines("logits", [1.0, 2.5, -0.25], 80) == ["logits = [1.00, 2.50, -0.25]"]


def test_long_rows_wrap_under_their_name():
    lines = given_lines("x", [float(i) for i in range(40)], 30)
    assert all(len(line) <= 30 for line in lines) and len(lines) > 1
    assert all(line.startswith(" " * 5) for line in lines[1:])
    numbers = " ".join(lines).replace("x = ", "").strip("[] ").replace(",", " ").split()
    assert [float(v) for v in numbers] == [float(i) for i in range(40)]


def test_matrices_get_a_row_per_line_and_3d_ones_an_index():
    assert given_lines("w", [[1, 2], [3, 4]], 80) == ["w (2, 2) =", "  [1, 2]", "  [3, 4]"]
    cube = given_lines("c", [[[1, 2]], [[3, 4]]], 80)
    assert cube == ["c (2, 1, 2) =", "  [0, 0] [1, 2]", "  [1, 0] [3, 4]"]


def test_answers_are_shown_as_typed():
    assert answer_text(16) == "16"
    assert answer_text(0.25) == "0.25"
    assert answer_text([1, 16, 5.0, 5]) == "(1, 16, 5, 5)"
