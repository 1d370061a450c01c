"""Forgiving lookup and suggestions."""

from __future__ import annotations

import pytest

from mlterms.glossary import load, parse
from mlterms.lookup import resolve, resolve_words, suggest
from mlterms.names import key

from .conftest import BUNDLED, SMALL


@pytest.fixture(scope="module")
def bundled():
    return load(BUNDLED)


@pytest.mark.parametrize(
    "query, term",
    [
        ("dropout", "dropout"),
        ("Dropout", "dropout"),
        ("dropouts", "dropout"),
        ("what is dropout?", "dropout"),
        ("the dropout", "dropout"),
        ("One-Shot-Learning", "one-shot learning"),
        ("one_shot learning", "one-shot learning"),
        ("batch normalization", "batch normalization"),
        ("bn", "batch normalization"),
        ("BatchNorm", "batch normalization"),
        ("convolutional layers", "convolutional layer"),
        ("batches", "batch"),
        ("rnn", "recurrent neural network"),
        ("mse", "mean squared error"),
        ("lr", "learning rate"),
    ],
)
def test_resolve_forgives(bundled, query, term):
    assert resolve(bundled, query).term == term


def test_key_ignores_case_articles_and_separators():
    assert key("What is a One-Shot_Learning ?") == key("one shot learning") == "oneshotlearning"


def test_resolve_misses_return_none():
    glossary = parse(SMALL)
    assert resolve(glossary, "gan") is None
    assert resolve(glossary, "") is None
    assert resolve(glossary, "???") is None


def test_resolve_words_splits_unquoted_terms(bundled):
    found = resolve_words(bundled, ["batch", "normalization", "dropout", "zzz"])
    assert [getattr(f, "term", f) for f in found] == ["batch normalization", "dropout", "zzz"]


def test_suggest_typos(bundled):
    assert suggest(bundled, "dropuot")[0] == "dropout"
    assert len(suggest(bundled, "normalisation")) <= 3
    assert suggest(bundled, "qqqqqqqq") == []
