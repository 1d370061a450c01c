"""Grading: typed names, picked options and self-grades."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import parse
from mlterms.quiz import grading as g
from mlterms.quiz.cards import quizzable
from mlterms.quiz.questions import links, make_question

from .quizdata import NOTES, entry


@pytest.mark.parametrize(
    ("typed", "correct", "typo"),
    [
        ("dropout", True, False),
        ("DROPOUT", True, False),
        ("the dropout", True, False),
        ("Drop-Out", True, False),
        ("dropouts", True, False),
        ("dropout regularization", True, False),
        ("dropuot", True, True),
        ("dropot", True, True),
        ("dropout regularisation", True, True),
        ("overfitting", False, False),
        ("dripalt", False, False),
        ("", False, False),
    ],
)
def test_typed_answers_forgive_case_articles_hyphens_and_small_typos(glossary, typed, correct, typo):
    assert g.check_typed(glossary, entry(glossary, "dropout"), typed) == g.Verdict(correct, typo)


def test_short_names_need_the_exact_spelling_and_a_rival_term_is_wrong(glossary):
    relu = entry(glossary, "relu")
    assert g.check_typed(glossary, relu, "gelu") == g.Verdict(False)  # another term, exactly
    assert g.check_typed(glossary, relu, "rleu") == g.Verdict(True, typo=True)
    assert g.check_typed(glossary, entry(glossary, "batch normalization"), "bm") == g.Verdict(False)
    assert g.check_typed(glossary, entry(glossary, "batch normalization"), "BN") == g.Verdict(True)


def test_choice_answers_by_number_or_by_name(glossary):
    question = make_question(entry(glossary, "dropout"), "choice", quizzable(glossary), {}, random.Random(0))
    at = {o.term: i for i, o in enumerate(question.options)}
    assert g.pick_option(question, str(question.answer + 1)) == question.answer
    assert g.pick_option(question, " Dropout ") == question.answer
    assert g.pick_option(question, "dropout regularization") == question.answer
    assert g.pick_option(question, "dropuot") == question.answer
    other = next(t for t in at if t != "dropout")
    assert g.pick_option(question, other.upper()) == at[other]
    for unclear in ("0", "5", "zzz", "??", "1" * 5000):
        assert g.pick_option(question, unclear) is None
    for dont_know in ("", "   ", "?", " ? "):
        assert g.pick_option(question, dont_know) == g.DONT_KNOW


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_answer_makes_grading_fail(answer):
    glossary = parse(NOTES)
    pool = quizzable(glossary)
    question = make_question(pool[0], "choice", pool, links(glossary), random.Random(0))
    assert g.pick_option(question, answer) in (None, g.DONT_KNOW, 0, 1, 2, 3)
    assert isinstance(g.check_typed(glossary, pool[0], answer), g.Verdict)
    assert g.parse_grade(answer) in (None, 1, 2, 3, 4)


def test_grades():
    answers = ("1", "hard", " G ", "e", "Again", "5", "", "good!")
    assert [g.parse_grade(x) for x in answers] == [1, 2, 3, 4, 1, None, None, None]
