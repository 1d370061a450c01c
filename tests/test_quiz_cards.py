"""Which entries are cards."""

from __future__ import annotations

from mlterms.glossary import parse
from mlterms.quiz.cards import card_key, quizzable

from .quizdata import NOTES


def test_entries_without_a_definition_are_never_cards():
    terms = [e.term for e in quizzable(parse(NOTES))]
    assert "placeholder" not in terms and len(terms) == NOTES.count("### ") - 1


def test_duplicate_headings_make_one_card():
    glossary = parse("### Dropout\n- one\n\n### dropout\n- two\n")
    assert [e.definition for e in quizzable(glossary)] == [["one"]]


def test_a_card_key_ignores_case_and_separators():
    one, two = parse("### Batch-Norm\n- a\n### batch norm\n- b\n").entries
    assert card_key(one) == card_key(two) == "batchnorm"
