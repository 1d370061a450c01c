"""The bundled glossary keeps every seed term, filled and linked."""

from __future__ import annotations

from mlterms.check import lint
from mlterms.glossary import bundled_path, load
from mlterms.lookup import resolve

from .conftest import BUNDLED, SEED

REQUIRED = [
    "gradient", "gradient descent", "loss", "epoch", "batch", "overfitting", "optimizer", "tensor",
    "kernel", "stride", "padding", "one-hot encoding", "sigmoid", "relu", "weight", "bias",
    "mean squared error", "cross-entropy",
]  # fmt: skip


def test_package_ships_the_top_level_glossary():
    assert bundled_path().read_bytes() == BUNDLED.read_bytes()


def test_every_seed_term_is_bundled_with_a_definition():
    bundled = load(BUNDLED)
    for term in [e.term for e in load(SEED).entries]:
        entry = resolve(bundled, term)
        assert entry is not None and entry.term == term, term
        assert entry.definition, term


def test_terms_the_definitions_lean_on_exist():
    bundled = load(BUNDLED)
    assert len(bundled.entries) >= 60
    for term in REQUIRED:
        assert resolve(bundled, term) is not None, term


def test_bundled_glossary_is_clean():
    assert lint(load(BUNDLED)) == []


def test_common_abbreviations_are_aliases():
    bundled = load(BUNDLED)
    for alias, term in [
        ("conv", "convolution"),
        ("rnn", "recurrent neural network"),
        ("bn", "batch normalization"),
        ("batchnorm", "batch normalization"),
        ("mse", "mean squared error"),
        ("lr", "learning rate"),
    ]:
        assert resolve(bundled, alias).term == term
