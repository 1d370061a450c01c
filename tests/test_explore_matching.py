"""The explorer's term filter: names and aliases, fuzzily, best match first."""

from __future__ import annotations

from mlterms.explore.matching import matching
from mlterms.glossary import parse

NOTES = """\
### batch
- a group of examples

### bayesian neural network
- a network with distributions over its weights

### batch normalization
- aka: bn, batchnorm
- normalizes over the batch

### embedding
- a learned vector per token

### neural network
- layers of units
"""

ENTRIES = parse(NOTES).entries


def terms(query: str) -> list[str]:
    return [e.term for e in matching(ENTRIES, query)]


def test_an_empty_query_keeps_every_entry_in_glossary_order():
    assert terms("") == terms("  ") == [e.term for e in ENTRIES]


def test_an_alias_matches_exactly_before_initials_and_scattered_letters():
    # bn: the alias of batch normalization, then the initials of bayesian neural network, then
    # b...n in order: embedding and batch normalization's name don't count twice
    assert terms("bn") == ["batch normalization", "bayesian neural network", "embedding"]


def test_a_prefix_ranks_the_shorter_name_first_and_a_later_word_counts():
    assert terms("batch") == ["batch", "batch normalization"]
    assert terms("netw") == ["neural network", "bayesian neural network"]  # a later word; shorter first
    # case and separators as names.key has them; from a later word on counts before scattered letters
    assert terms("Neural-Net") == ["neural network", "bayesian neural network"]


def test_letters_in_order_match_and_others_do_not():
    assert terms("btnrm") == ["batch normalization"]
    assert terms("zz") == []
