"""Fast start: the lookup commands never import torch, numpy or Textual; completion knows term names."""

from __future__ import annotations

import pytest

from .conftest import mlterms_modules, run_probed


@pytest.mark.parametrize(
    "args",
    [["define", "dropout"], ["list"], ["search", "overfitting"], ["check"], ["define", "dropuot"]],
)
def test_lookup_commands_do_not_import_torch_numpy_or_textual(args):
    loaded, done = run_probed(*args)
    assert not loaded & {"torch", "numpy", "textual"}, done.stderr


def test_completion_offers_term_names():
    env = {"_MLTERMS_COMPLETE": "complete_bash", "COMP_WORDS": "mlterms define drop", "COMP_CWORD": "2"}
    loaded, done = run_probed(env=env)
    assert "dropout" in done.stdout.split("\n")
    assert not loaded & {"torch", "numpy", "textual"}


def complete(words: str) -> list[str]:
    env = {
        "_MLTERMS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    _loaded, done = run_probed(env=env)
    return [line for line in done.stdout.split("\n") if line]


def test_completion_ignores_case_and_keeps_what_was_typed():
    assert complete("mlterms define Drop") == ["Dropout", "Dropout regularization"]
    assert complete("mlterms define DROPOUT") == ["DROPOUT", "DROPOUT regularization"]
    assert complete("mlterms demo SOFT") == ["SOFTmax"]


def test_completion_reads_the_glossary_given_after_the_command(small):
    assert complete(f"mlterms define -g {small} OVER") == ["OVERfitting"]


@pytest.mark.parametrize(
    ("args", "answers"),
    [
        (["quiz", "--mode", "recall", "-n", "2", "--seed", "1"], "\n1\n:u\n\n3\n\n3\n"),
        (["quiz", "--mode", "choice", "-n", "2", "--seed", "1", "--no-save", "--json"], "?\n1\n1\n"),
        (["quiz", "--stats", "--json"], ""),
        (["quiz", "--export-log", "{home}/log.csv"], ""),
        (["quiz", "--optimize"], ""),  # below 512 reviews it never loads the optimizer
    ],
)
def test_the_quiz_never_imports_torch_numpy_pandas_or_textual(tmp_path, args, answers):
    args = [a.replace("{home}", str(tmp_path)) for a in args]
    loaded, done = run_probed(*args, input=answers, env={"MLTERMS_HOME": str(tmp_path)})
    assert not loaded & {"torch", "numpy", "pandas", "textual"}, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["path", "dropout"], ["demo", "--list"], ["export", "{home}/deck.csv"]])
def test_only_explore_imports_textual(tmp_path, args):
    args = [a.replace("{home}", str(tmp_path)) for a in args]
    loaded, done = run_probed(*args, env={"MLTERMS_HOME": str(tmp_path)})
    assert done.returncode == 0 or "Traceback" not in done.stderr
    assert "textual" not in loaded, done.stderr


@pytest.mark.parametrize(
    ("args", "demos"),
    [
        (["quiz", "--mode", "choice", "-n", "1", "--seed", "1", "--no-save"], set()),
        (
            ["quiz", "--stats"],
            {"mlterms.demos", "mlterms.demos.catalog", "mlterms.demos.registry"},
        ),  # exercise ids from the files
        (["quiz", "--stats", "--json"], {"mlterms.demos", "mlterms.demos.catalog", "mlterms.demos.registry"}),
    ],
)
def test_only_compute_mode_loads_a_demo(tmp_path, args, demos):
    loaded, done = run_probed(*args, input="1\n", env={"MLTERMS_HOME": str(tmp_path)})
    assert not loaded & {"torch", "numpy"}, done.stderr
    assert {m for m in mlterms_modules(done) if m.startswith("mlterms.demos")} == demos


def test_compute_mode_runs_the_demo_of_its_card(tmp_path):
    args = ["quiz", "--mode", "compute", "-t", "l1 loss", "-n", "1", "--seed", "1", "--no-save"]
    loaded, done = run_probed(*args, input="\n", env={"MLTERMS_HOME": str(tmp_path)})
    assert "torch" in loaded and "mlterms.demos.losses.l1_loss" in mlterms_modules(done)
    assert "don't know: the answer is " in done.stdout
