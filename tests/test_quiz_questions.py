"""Questions: masking, distractors, kinds, and the plan of one quiz."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import parse
from mlterms.names import key
from mlterms.quiz import questions as q
from mlterms.quiz.cards import quizzable
from mlterms.quiz.options import QuizOptions
from mlterms.quiz.state import Progress

from .quizdata import T0, ask_plan, entry


def test_entries_without_a_definition_are_never_asked(glossary, progress):
    asked = ask_plan(glossary, progress, count=50, everything=True)
    assert len(asked) == 7 and "placeholder" not in [x.entry.term for x in asked]


def test_masking_hides_the_term_and_its_word_forms():
    names = ["dropout", "dropout regularization"]
    masked = q.mask("dropout, Dropout, dropouts, dropout's, inverted dropout-style, dropoutx", names)
    assert masked == "_____, _____, _____, _____, inverted _____-style, dropoutx"
    assert q.mask("use dropout regularization", names) == "use _____"
    assert q.mask("Batch-Normalizations and batchnormalization", ["batch normalization"]) == "_____ and _____"
    assert q.mask("entropies and entropy", ["entropy"]) == "_____ and _____"


def test_choice_questions_show_the_masked_definition(glossary, progress):
    [question] = ask_plan(glossary, progress, mode="choice", count=1)
    for bullet in question.clue:
        for name in question.entry.names:
            assert name.casefold() not in bullet.casefold()
    question = q.make_question(
        entry(glossary, "dropout"), "choice", quizzable(glossary), {}, random.Random(0)
    )
    assert question.clue[0].startswith("zeroes each unit") and "_____ are off" in question.clue[0]


def test_distractors_are_plausible_and_never_the_answer_twice(glossary):
    pool = quizzable(glossary)
    linked = q.links(glossary)
    for seed in range(20):
        question = q.make_question(entry(glossary, "dropout"), "choice", pool, linked, random.Random(seed))
        terms = [o.term for o in question.options]
        assert len(terms) == 4 and len(set(terms)) == 4 and terms.count("dropout") == 1
        assert "overfitting" in terms  # its see-also link comes first
        assert "regularization" not in terms  # a whole phrase of its alias 'dropout regularization'


def test_look_alike_names_are_preferred_as_distractors():
    glossary = parse(
        "### batch normalization\n- a\n### layer normalization\n- b\n### softmax\n- c\n### relu\n- d\n"
        "### gelu\n- e\n### adam\n- f\n"
    )
    question = q.make_question(glossary.entries[0], "choice", quizzable(glossary), {}, random.Random(3))
    assert "layer normalization" in [o.term for o in question.options]


def test_an_alias_of_the_answer_is_never_a_distractor():
    glossary = parse("### bn\n- a\n### batch norm\n- aka: bn\n- b\n### relu\n- c\n")
    question = q.make_question(glossary.entries[1], "choice", quizzable(glossary), {}, random.Random(1))
    assert [o.term for o in question.options if o.term != "batch norm"] == ["relu"]


def test_a_one_term_glossary_asks_typed_questions():
    glossary = parse("### dropout\n- zeroes units\n")
    [question] = ask_plan(glossary, Progress(Path("unused.json")), mode="choice")
    assert question.mode == "typed" and question.options == []


def test_the_same_seed_gives_the_same_quiz(glossary, progress):
    def shape(questions):
        return [(x.mode, x.entry.term, [o.term for o in x.options]) for x in questions]

    assert shape(ask_plan(glossary, progress, seed=7)) == shape(ask_plan(glossary, progress, seed=7))
    shapes = {json.dumps(shape(ask_plan(glossary, progress, seed=s))) for s in range(6)}
    assert len(shapes) > 1


def test_mixed_mode_uses_every_kind_and_a_single_mode_only_its_own(glossary, progress):
    modes = {x.mode for s in range(5) for x in ask_plan(glossary, progress, seed=s)}
    assert modes == {"choice", "recall", "typed"}
    for mode in ("choice", "recall", "typed"):
        assert {x.mode for x in ask_plan(glossary, progress, mode=mode)} == {mode}


def test_named_terms_are_asked_even_when_not_due(glossary, progress):
    progress.review("relu", "relu", 4, T0)  # easy: due in days
    pool = [entry(glossary, "relu")]
    options = QuizOptions(terms=("relu",))
    assert [
        x.entry.term for x in q.plan(glossary, progress, pool, options, now=T0, rng=random.Random(0))
    ] == ["relu"]
    unnamed = QuizOptions()
    assert q.plan(glossary, progress, pool, unnamed, now=T0, rng=random.Random(0)) == []


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.text())
def test_masking_never_fails_and_removes_the_name(name, text):
    masked = q.mask(f"{text} {name} {text}", [name])
    if q.name_pattern(name) and key(name):
        assert q.BLANK in masked
