"""A sitting: grading and saving each answer, the question loop, and the terms named by --term."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from mlterms.quiz import session as s
from mlterms.quiz.cards import AGAIN, GOOD, HARD, quizzable
from mlterms.quiz.questions import make_question
from mlterms.quiz.state import Progress

from .quizdata import T0, entry


def question(glossary, term, mode):
    return make_question(entry(glossary, term), mode, quizzable(glossary), {}, random.Random(0))


def test_a_session_saves_each_answer_as_it_is_given(glossary, progress):
    session = s.Session(glossary, progress)
    choice = question(glossary, "dropout", "choice")
    typed = question(glossary, "softmax", "typed")
    recall = question(glossary, "relu", "recall")
    wrong = (choice.answer + 1) % 4
    results = [
        session.choose(choice, wrong, T0),
        session.typed(typed, "sofmtax", T0),
        session.recall(recall, "max of 0 and x", HARD, T0),
    ]
    assert [(r.correct, r.rating, r.typo) for r in results] == [
        (False, AGAIN, False),
        (True, GOOD, True),
        (True, HARD, False),
    ]
    assert set(Progress.open(progress.path).cards) == {"dropout", "softmax", "relu"}
    assert (session.asked, session.correct) == (3, 2)
    assert results[0].answer == choice.options[wrong].term
    assert results[0].due == T0 + timedelta(minutes=1)
    assert [r.term for r in session.to_review()] == ["dropout"]


class Script:
    """A Conversation that answers from a list and records what it was told."""

    def __init__(self, answers, end=EOFError):
        self.answers, self.end, self.told = list(answers), end, []

    def show(self, question, number, total):
        self.told.append(("show", question.entry.term, number, total))

    def read(self, stage, options):
        self.told.append(("read", stage, options))
        if not self.answers:
            raise self.end
        return self.answers.pop(0)

    def retry(self, stage, options):
        self.told.append(("retry", stage, options))

    def reveal(self, question):
        self.told.append(("reveal", question.entry.term))

    def feedback(self, result):
        self.told.append(("feedback", result.term, result.correct))


def test_the_loop_asks_again_until_an_answer_makes_sense(glossary, progress):
    choice = question(glossary, "dropout", "choice")
    recall = question(glossary, "relu", "recall")
    talk = Script(["7", "", str(choice.answer + 1), "max", "5", "good"])
    session = s.Session(glossary, progress)
    assert s.run(session, [choice, recall], talk, clock=lambda: T0) is True
    assert talk.told == [
        ("show", "dropout", 1, 2),
        ("read", "choice", 4),
        ("retry", "choice", 4),
        ("read", "choice", 4),
        ("retry", "choice", 4),
        ("read", "choice", 4),
        ("feedback", "dropout", True),
        ("show", "relu", 2, 2),
        ("read", "recall", 0),
        ("reveal", "relu"),
        ("read", "grade", 4),
        ("retry", "grade", 4),
        ("read", "grade", 4),
        ("feedback", "relu", True),
    ]
    assert [r.rating for r in session.results] == [GOOD, GOOD]


@pytest.mark.parametrize("end", [EOFError, KeyboardInterrupt])
def test_the_end_of_input_or_ctrl_c_stops_the_loop_and_keeps_the_answers(glossary, progress, end):
    questions = [question(glossary, term, "typed") for term in ("softmax", "relu", "gelu")]
    session = s.Session(glossary, progress)
    assert s.run(session, questions, Script(["softmax"], end=end), clock=lambda: T0) is False
    assert [r.term for r in session.results] == ["softmax"]
    assert list(Progress.open(progress.path).cards) == ["softmax"]


def test_terms_are_resolved_split_at_commas_and_told_apart(glossary):
    picked = s.pick_terms(glossary, ["Dropouts, relu", " ", "dropout", "zzqx", "placeholder"])
    assert [e.term for e in picked.entries] == ["dropout", "relu"]
    assert picked.unknown == ["zzqx"] and [e.term for e in picked.empty] == ["placeholder"]
