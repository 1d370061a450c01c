"""mlterms path and define's backlinks, through the CLI: reading orders, marks, JSON, errors."""

from __future__ import annotations

import json

from mlterms.cli import app

NOTES = """\
### what is tensor
- an array

### what is softmax
- exp over sum
- builds on: tensor

### what is attention
- weighted sums
- see also: transformer
- builds on: softmax, tensor

### what is transformer
- attention blocks
- builds on: attention, softmax
"""


def write(tmp_path, text=NOTES):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_path_prints_prerequisites_first_one_term_a_line(runner, tmp_path):
    result = runner.invoke(app, ["-g", write(tmp_path), "path", "transformer"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["tensor", "softmax", "attention", "transformer"]


def test_path_json_marks_known_terms_from_the_quiz(runner, tmp_path):
    notes = write(tmp_path)
    quiz = runner.invoke(app, ["-g", notes, "quiz", "-t", "tensor", "--mode", "typed"], input="tensor\n")
    assert quiz.exit_code == 0
    data = json.loads(runner.invoke(app, ["-g", notes, "path", "attention", "--json"]).stdout)
    assert [d["term"] for d in data] == ["tensor", "softmax", "attention"]
    assert [d["known"] for d in data] == [True, False, False]  # answered right: not due yet
    assert data[2]["builds_on"] == ["softmax", "tensor"] and all(d["demo"] for d in data)  # bundled demos


def test_path_on_a_cycle_is_one_line_and_exit_2(runner, tmp_path):
    cyclic = NOTES.replace("- builds on: tensor\n", "- builds on: transformer\n")
    result = runner.invoke(app, ["-g", write(tmp_path, cyclic), "path", "transformer"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "cycle: " in result.stderr


def test_path_of_an_unknown_term_exits_1(runner, tmp_path):
    result = runner.invoke(app, ["-g", write(tmp_path), "path", "nothing"])
    assert result.exit_code == 1 and "no entry for 'nothing'" in result.stderr


def test_define_shows_and_exports_backlinks(runner, tmp_path):
    notes = write(tmp_path)
    data = json.loads(runner.invoke(app, ["-g", notes, "define", "softmax", "--json"]).stdout)
    assert data["used_by"] == ["attention", "transformer"] and data["builds_on"] == ["tensor"]
    plain = runner.invoke(app, ["-g", notes, "define", "transformer"]).stdout
    assert "used by: attention" in plain and "builds on: attention, softmax" in plain
