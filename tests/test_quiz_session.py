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

    def reveal(self, question, previews):
        self.told.append(("reveal", question.entry.term))
        self.previews = previews

    def undone(self, result):
        self.told.append(("undone", result.term))

    def feedback(self, result):
        self.told.append(("feedback", result.term, result.correct))


def test_the_loop_asks_again_until_an_answer_makes_sense(glossary, progress):
    choice = question(glossary, "dropout", "choice")
    recall = question(glossary, "relu", "recall")
    talk = Script(["7", "zzz", str(choice.answer + 1), "max", "5", "good"])
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


def test_a_missed_card_comes_back_after_a_few_others_until_it_is_right(glossary, progress):
    terms = ["dropout", "softmax", "relu", "gelu", "overfitting"]
    questions = [question(glossary, term, "typed") for term in terms]
    # dropout: wrong, then (3 cards later) wrong again, then (at the end) right
    answers = ["no", "softmax", "relu", "gelu", "nope", "overfitting", "dropout"]
    session = s.Session(glossary, progress)
    talk = Script(answers)
    assert s.run(session, questions, talk, clock=lambda: T0) is True
    asked = [(r.term, r.relearn, r.correct) for r in session.results]
    assert asked == [
        ("dropout", False, False),
        ("softmax", False, True),
        ("relu", False, True),
        ("gelu", False, True),
        ("dropout", True, False),
        ("overfitting", False, True),
        ("dropout", True, True),
    ]
    assert (session.asked, session.correct, session.relearned()) == (5, 4, {"dropout": 2})
    shows = [told[2:] for told in talk.told if told[0] == "show"]
    assert shows == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5), (5, 5), (5, 5)]
    assert Progress.open(progress.path).get("dropout").reviews == 3


def test_undo_restores_the_card_and_asks_it_again(glossary, progress):
    progress.review("relu", "relu", GOOD, T0 - timedelta(days=1))
    before = Progress.open(progress.path).get("relu")
    questions = [question(glossary, term, "typed") for term in ("relu", "softmax", "gelu")]
    answers = [":u", "wrong", ":undo", "relu", "softmax", ":U", "softmax", "gelu"]
    session = s.Session(glossary, progress)
    talk = Script(answers)
    assert s.run(session, questions, talk, clock=lambda: T0) is True
    assert ("retry", "undo", 0) in talk.told  # nothing to undo at the first prompt
    assert [told[1] for told in talk.told if told[0] == "undone"] == ["relu", "softmax"]
    assert [(r.term, r.correct, r.relearn) for r in session.results] == [
        ("relu", True, False),
        ("softmax", True, False),
        ("gelu", True, False),
    ]
    after = Progress.open(progress.path)
    assert after.get("relu").log == [*before.log, (T0.isoformat(timespec="seconds"), GOOD, 0)]
    assert after.get("softmax").reviews == 1


def test_undo_of_a_first_answer_removes_the_card_from_the_file(glossary, progress):
    session = s.Session(glossary, progress)
    session.typed(question(glossary, "gelu", "typed"), "gelu", T0)
    assert "gelu" in Progress.open(progress.path).cards
    assert session.undo().term == "gelu" and session.undo() is None
    assert "gelu" not in Progress.open(progress.path).cards and session.results == []


def test_recall_grades_keep_the_interval_their_preview_showed(glossary, tmp_path):
    fuzzed = Progress(tmp_path / "state.json", fuzz=True)
    fuzzed.review("relu", "relu", GOOD, T0 - timedelta(days=3))
    fuzzed.review("relu", "relu", GOOD, T0 - timedelta(days=2))
    recall = question(glossary, "relu", "recall")
    talk = Script(["", "easy"])
    session = s.Session(glossary, fuzzed)
    s.run(session, [recall], talk, clock=lambda: T0)
    assert session.results[0].due - T0 == talk.previews[4]
    assert sorted(talk.previews) == [1, 2, 3, 4] and talk.previews[1] < talk.previews[3] < talk.previews[4]


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
