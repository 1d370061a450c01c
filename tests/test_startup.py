"""Fast start: the lookup commands never import torch or numpy; completion knows term names."""

from __future__ import annotations

import pytest

from .conftest import run_probed


@pytest.mark.parametrize(
    "args",
    [["define", "dropout"], ["list"], ["search", "overfitting"], ["check"], ["define", "dropuot"]],
)
def test_lookup_commands_do_not_import_torch_or_numpy(args):
    loaded, done = run_probed(*args)
    assert not loaded & {"torch", "numpy"}, done.stderr


def test_completion_offers_term_names():
    env = {"_MLTERMS_COMPLETE": "complete_bash", "COMP_WORDS": "mlterms define drop", "COMP_CWORD": "2"}
    loaded, done = run_probed(env=env)
    assert "dropout" in done.stdout.split("\n")
    assert not loaded & {"torch", "numpy"}


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
