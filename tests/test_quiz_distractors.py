"""Fair choice questions over the bundled glossary: no giveaways, 4 options, no twins."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mlterms.glossary import parse
from mlterms.names import key
from mlterms.quiz import distractors as d
from mlterms.quiz.cards import quizzable
from mlterms.quiz.questions import make_question

BUNDLED = Path(__file__).resolve().parent.parent / "mlterms" / "data" / "glossary.md"


@pytest.fixture(scope="module")
def bundled():
    glossary = parse(BUNDLED.read_text(encoding="utf-8"), str(BUNDLED))
    return glossary, quizzable(glossary), d.links(glossary)


def words(text: str) -> str:
    return " " + " ".join(key(w) for w in text.split()) + " "


@pytest.mark.parametrize("seed", [0, 1])
def test_no_wrong_option_shows_in_the_clue_and_there_are_always_4(bundled, seed):
    glossary, pool, linked = bundled
    for entry in pool:
        question = make_question(entry, "choice", pool, linked, random.Random(seed))
        assert len(question.options) == 4, entry.term
        clue = words(" ".join(question.clue))
        for option in question.options:
            for name in option.names:
                # checked independently of name_pattern: the name's words, in a row, as whole words
                assert words(name) not in clue, (entry.term, name, question.clue)


def test_the_answer_and_its_twins_are_masked_and_twins_are_never_options():
    glossary = parse(
        "### embedding\n- a learned vector per token; see the embedding layer\n"
        "### embedding layer\n- a lookup table from token ids to learned vectors (each an embedding)\n"
        "### softmax\n- a\n### relu\n- b\n### gelu\n- c\n### adam\n- d\n"
    )
    pool = quizzable(glossary)
    for seed in range(10):
        question = make_question(pool[1], "choice", pool, {}, random.Random(seed))
        assert [o.term for o in question.options if o.term.startswith("embedding")] == ["embedding layer"]
        assert question.clue == ["a lookup table from token ids to learned vectors (each an _____)"]


def test_options_that_would_show_in_the_clue_come_last_and_are_then_masked():
    glossary = parse(
        "### adam\n- like sgd with momentum and rmsprop\n### sgd\n- a\n### momentum\n- b\n### rmsprop\n- c\n"
    )
    pool = quizzable(glossary)
    question = make_question(pool[0], "choice", pool, {}, random.Random(0))
    assert len(question.options) == 4  # only giveaways were left: taken, and masked
    assert question.clue == ["like _____ with _____ and _____"]


def test_see_also_and_shared_neighbours_make_plausible_options():
    glossary = parse(
        "### adam\n- x\n- see also: sgd\n### sgd\n- y\n- see also: learning rate\n"
        "### rmsprop\n- z\n- see also: learning rate\n### learning rate\n- w\n"
        "### relu\n- v\n### gelu\n- u\n### softmax\n- t\n"
    )
    pool = quizzable(glossary)
    linked = d.links(glossary)
    question = make_question(pool[1], "choice", pool, linked, random.Random(5))  # sgd
    # adam and learning rate are linked to sgd; rmsprop shares its neighbour 'learning rate'
    assert {o.term for o in question.options} == {"sgd", "adam", "learning rate", "rmsprop"}
