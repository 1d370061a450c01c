"""Forgiving lookup and suggestions."""

from __future__ import annotations

import pytest

from mlterms.glossary import load, parse
from mlterms.lookup import find, resolve, suggest, terms_of
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


def shown(asked):
    """(text, term or name or None) per term asked."""
    return [(a.text, a.entry.term if a.entry else a.name) for a in asked]


def test_find_splits_unquoted_terms_and_joins_a_run_of_misses(bundled):
    found = find(bundled, ["batch", "normalization", "dropout", "flux", "capacitor"])
    assert shown(found) == [
        ("batch normalization", "batch normalization"),
        ("dropout", "dropout"),
        ("flux capacitor", None),
    ]
    middle = find(bundled, ["zzq", "dropout", "qqz", "xxv"])
    assert shown(middle) == [("zzq", None), ("dropout", "dropout"), ("qqz xxv", None)]


def test_a_comma_ends_a_term(bundled):
    assert terms_of(["batch,", "normalization", "soft,max"]) == [
        ["batch"],
        ["normalization", "soft"],
        ["max"],
    ]
    assert shown(find(bundled, ["batch,", "normalization"])) == [
        ("batch", "batch"),
        ("normalization", "normalization"),
    ]
    assert shown(find(bundled, ["batch", ",", "normalization"]))[0] == ("batch", "batch")


def test_one_argument_is_one_term_and_a_quoted_one_stands_alone(bundled):
    assert shown(find(bundled, ["dropout softmax"])) == [("dropout softmax", None)]
    assert shown(find(bundled, ["batch normalization"])) == [("batch normalization", "batch normalization")]
    # 'batch' + 'normalization' would join into one term; quoted, 'batch' is a term of its own
    assert [t for _, t in shown(find(bundled, ["dropout", "batch normalization"]))] == [
        "dropout",
        "batch normalization",
    ]


@pytest.mark.parametrize("prefix", ["what's", "whats", "what are", "What\u2019s", "what is"])
def test_what_is_forms_are_forgiven(bundled, prefix):
    words = [*prefix.split(), "an", "epoch"]
    assert shown(find(bundled, words)) == [(" ".join(words), "epoch")]
    assert resolve(bundled, f"{prefix} epochs?").term == "epoch"


def test_plurals_both_ways():
    glossary = parse("### what is hyperparameters\n- x\n### neural networks\n- y\n### batch\n- z\n")
    assert resolve(glossary, "hyperparameter").term == "hyperparameters"
    assert resolve(glossary, "neural network").term == "neural networks"
    assert resolve(glossary, "batches").term == "batch"
    assert shown(find(glossary, ["neural", "network", "hyperparameter"])) == [
        ("neural network", "neural networks"),
        ("hyperparameter", "hyperparameters"),
    ]
    assert resolve(glossary, "batc") is None


def test_exact_names_win_over_plural_forms():
    glossary = parse("### what is features\n- many\n### what is feature\n- one\n")
    assert resolve(glossary, "feature").definition == ["one"]
    assert resolve(glossary, "features").definition == ["many"]


def test_extra_names_resolve_after_entries():
    glossary = parse(SMALL)
    found = find(
        glossary, ["dropout", "self", "attention", "convolutions"], extra=["self attention", "convolution"]
    )
    assert [(a.entry.term if a.entry else None, a.name) for a in found] == [
        ("dropout", None),
        (None, "self attention"),
        (None, "convolution"),
    ]


def test_suggest_names_that_start_like_the_query(bundled):
    assert suggest(bundled, "l2") == ["l2 loss", "l2 regularization"]
    with_network = suggest(bundled, "network")
    assert "neural network" in with_network and "recurrent neural network" in with_network
    assert len(with_network) <= 5


def test_suggest_typos(bundled):
    assert suggest(bundled, "dropuot")[0] == "dropout"
    assert len(suggest(bundled, "normalisation")) <= 3
    assert suggest(bundled, "qqqqqqqq") == []
