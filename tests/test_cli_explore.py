"""The explore command: what fails is said before any full-screen UI, in one line, with the usual
exit codes; the app itself starts without torch, and only explore imports Textual."""

from __future__ import annotations

import os
import sys

import pytest

from mlterms.cli import app

from .conftest import PROBE, run_probed


def test_an_unknown_term_is_the_usual_miss_before_any_screen(runner):
    result = runner.invoke(app, ["explore", "dropuot"])
    assert result.exit_code == 1
    assert result.stderr == "mlterms: no entry for 'dropuot'. Did you mean: dropout?\n"
    loaded, done = run_probed("explore", "dropuot")
    assert "textual" not in loaded  # the term was checked before Textual was even imported


def test_a_glossary_error_is_one_line_and_exit_2(runner, tmp_path):
    result = runner.invoke(app, ["-g", str(tmp_path / "nowhere.md"), "explore"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mlterms: ")


def test_a_glossary_with_no_entries_exits_1(runner, tmp_path):
    empty = tmp_path / "README.md"
    empty.write_text("# nothing here\n", encoding="utf-8")
    result = runner.invoke(app, ["-g", str(empty), "explore"])
    assert result.exit_code == 1 and result.stderr == f"mlterms: no entries in {empty}\n"


def test_it_needs_a_terminal(runner, small):
    result = runner.invoke(app, ["-g", str(small), "explore", "dropout"])
    assert result.exit_code == 2
    assert result.stderr.startswith("mlterms: explore needs a terminal")


def test_the_app_paints_its_term_list_without_torch(tmp_path):
    """In a real pseudo-terminal, with the benchmark's switch: exit after the first paint."""
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "MLTERMS_EXPLORE_FIRST_PAINT": "1", "TERM": "xterm-256color"}
    child = pexpect.spawn(
        sys.executable, ["-c", PROBE, "explore", "softmax"], env=env, dimensions=(24, 80), timeout=60
    )
    child.expect(pexpect.EOF)
    child.close()
    output = child.before.decode("utf-8", "replace")
    assert child.exitstatus == 0, output[-500:]
    assert "162 terms" in output  # the term list was drawn
    loaded = set(output.split("LOADED:")[1].split()[0].split(","))
    assert "textual" in loaded and not loaded & {"torch", "numpy"}
