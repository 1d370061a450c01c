"""The pieces every command shares: completion candidates, clamped counts, the no-entries rule."""

from __future__ import annotations

import pytest

from mlterms.cli.common import MOST, NoEntries, at_most, recased, with_entries
from mlterms.glossary import parse


def test_recased_keeps_the_typed_prefix():
    names = ["Dropout", "dropout regularization", "one-shot learning", "softmax"]
    assert recased("DROP", names) == ["DROPout", "DROPout regularization"]
    assert recased("one sh", names) == ["one-shot learning"]  # same key, not the same text
    assert recased("", names) == names
    assert recased("x", names) == []


def test_at_most_clamps_only_huge_counts():
    assert at_most(3) == 3 and at_most(None) is None
    assert at_most(10**30) == MOST


def test_with_entries():
    glossary = parse("### what is x\n- a\n")
    assert with_entries(glossary) is glossary
    with pytest.raises(NoEntries, match="no entries in notes.md"):
        with_entries(parse("just prose\n", path="notes.md"))
