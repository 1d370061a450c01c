"""One sitting of the quiz: ask each question, grade the answer, save it at once, keep the results.

The loop (`run`) talks to the user only through a `Conversation`, which the CLI implements by
reading lines and drawing; nothing here prints or reads. Ctrl-C or the end of input at any
prompt ends the loop early, and every answer given so far is already saved.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import resolve
from mlterms.quiz.cards import AGAIN, GOOD
from mlterms.quiz.grading import check_typed, parse_grade, pick_option
from mlterms.quiz.questions import Question
from mlterms.quiz.state import Progress

Stage = Literal["choice", "typed", "recall", "grade"]  # what a prompt asks for
T = TypeVar("T")


@dataclass
class Result:
    question: Question
    answer: str
    correct: bool
    rating: int
    due: datetime
    typo: bool = False

    @property
    def term(self) -> str:
        return self.question.entry.term


class Session:
    """Grades answers, saves each card at once, and keeps the results."""

    def __init__(self, glossary: Glossary, progress: Progress):
        self.glossary = glossary
        self.progress = progress
        self.results: list[Result] = []

    def choose(self, question: Question, option: int, now: datetime) -> Result:
        """A choice answer: the index of the picked option."""
        right = option == question.answer
        return self.record(question, question.options[option].term, right, GOOD if right else AGAIN, now)

    def typed(self, question: Question, text: str, now: datetime) -> Result:
        """A typed answer; an empty one means 'I don't know'."""
        verdict = check_typed(self.glossary, question.entry, text)
        rating = GOOD if verdict.correct else AGAIN
        return self.record(question, text.strip(), verdict.correct, rating, now, verdict.typo)

    def recall(self, question: Question, text: str, grade: int, now: datetime) -> Result:
        """A recall answer: what the user wrote (maybe nothing) and their own grade 1-4."""
        return self.record(question, text.strip(), grade != AGAIN, grade, now)

    def record(
        self, question: Question, answer: str, correct: bool, rating: int, now: datetime, typo: bool = False
    ) -> Result:
        card = self.progress.review(question.key, question.entry.term, rating, now)
        result = Result(question, answer, correct, rating, card.due, typo)
        self.results.append(result)
        return result

    @property
    def asked(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    def to_review(self) -> list[Result]:
        """The terms missed in this sitting, soonest due first."""
        return sorted((r for r in self.results if not r.correct), key=lambda r: r.due)


# --- the loop --------------------------------------------------------------------------------


class Conversation(Protocol):
    """The user's side of the loop. `read` raises EOFError at the end of input; it and every
    other method may raise KeyboardInterrupt. Both end the quiz early."""

    def show(self, question: Question, number: int, total: int) -> None: ...

    def read(self, stage: Stage, options: int) -> str: ...

    def retry(self, stage: Stage, options: int) -> None:
        """The last answer made no sense for this stage: say what would."""

    def reveal(self, question: Question) -> None:
        """The real definition of a recall card, before the user grades themselves."""

    def feedback(self, result: Result) -> None: ...


def run(
    session: Session, questions: list[Question], talk: Conversation, clock: Callable[[], datetime]
) -> bool:
    """Ask every question in turn; `clock` gives the time of each answer. True if all were asked; False if Ctrl-C or the end of input
    stopped the quiz (the answers given are saved)."""
    try:
        for number, question in enumerate(questions, 1):
            talk.show(question, number, len(questions))
            talk.feedback(answer(session, question, talk, clock))
    except (KeyboardInterrupt, EOFError):
        return False
    return True


def answer(session: Session, question: Question, talk: Conversation, clock: Callable[[], datetime]) -> Result:
    """Read until the answer is usable, then grade and save it."""
    if question.mode == "choice":
        n = len(question.options)
        option = read_until(talk, "choice", n, lambda line: pick_option(question, line))
        with shielded():
            return session.choose(question, option, clock())
    if question.mode == "typed":
        text = talk.read("typed", 0)
        with shielded():
            return session.typed(question, text, clock())
    text = talk.read("recall", 0)
    talk.reveal(question)
    grade = read_until(talk, "grade", 4, parse_grade)
    with shielded():
        return session.recall(question, text, grade, clock())


def read_until(talk: Conversation, stage: Stage, options: int, parse: Callable[[str], T | None]) -> T:
    """Ask again, after a hint, until `parse` makes sense of the line."""
    value = parse(talk.read(stage, options))
    while value is None:
        talk.retry(stage, options)
        value = parse(talk.read(stage, options))
    return value


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Hold a Ctrl-C that arrives while a card is being saved until the save is done, so that the
    answer on disk is also in the results."""
    caught: list[bool] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    except (ValueError, TypeError):  # not the main thread: nothing to shield
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if caught:
            raise KeyboardInterrupt


# --- choosing the terms ----------------------------------------------------------------------


@dataclass
class Picked:
    """The entries that `--term` names: those to ask, the names that match no entry, and the
    entries that have no definition to ask."""

    entries: list[Entry] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    empty: list[Entry] = field(default_factory=list)


def pick_terms(glossary: Glossary, terms: tuple[str, ...] | list[str]) -> Picked:
    """Resolve names as typed; each may hold several, separated by commas ('dropout,softmax')."""
    picked = Picked()
    for name in (n.strip() for term in terms for n in term.split(",")):
        if not name:
            continue
        entry = resolve(glossary, name)
        if entry is None:
            picked.unknown.append(name)
        elif not entry.definition:
            picked.empty.append(entry)
        elif entry not in picked.entries:
            picked.entries.append(entry)
    return picked
