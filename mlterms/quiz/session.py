"""One sitting of the quiz: ask each question, grade the answer, save it at once, keep the results.

The loop (`run`) talks to the user only through a `Conversation`, which the CLI implements by
reading lines and drawing; nothing here prints or reads. Ctrl-C or the end of input at any
prompt ends the loop early, and every answer given so far is already saved.

As in Anki's learning steps, a card answered wrong comes back RELEARN_GAP cards later (or at the
end), until it is answered right once. `:u` (or `:undo`) at any prompt takes back the last
answer: the card's state before it is restored on disk, and that card is asked again.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from fsrs import Card

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import resolve
from mlterms.quiz.cards import AGAIN, GOOD
from mlterms.quiz.grading import DONT_KNOW, check_typed, parse_grade, pick_option
from mlterms.quiz.questions import Question
from mlterms.quiz.state import Progress, Record

if TYPE_CHECKING:  # compute questions are made only in --mode compute (mlterms.quiz.compute)
    from mlterms.demos.answers import Graded
    from mlterms.quiz.compute import ComputeQuestion

    AnyQuestion = Question | ComputeQuestion

Stage = Literal["choice", "typed", "recall", "compute", "grade", "undo"]  # what a prompt asks for
T = TypeVar("T")
RELEARN_GAP = 3  # a missed card comes back after this many other cards
UNDO = {":u", ":undo"}


@dataclass
class Result:
    question: AnyQuestion
    answer: str
    correct: bool
    rating: int
    due: datetime
    typo: bool = False
    ms: int | None = None  # from the question shown to the answer given

    @property
    def term(self) -> str:
        return self.question.term

    @property
    def label(self) -> str:
        """The card as the summary names it: the term, or 'term/exercise' for a compute card."""
        return self.question.label

    @property
    def relearn(self) -> bool:
        return self.question.relearn


class Session:
    """Grades answers, saves each card at once, and keeps the results (relearning ones too)."""

    def __init__(self, glossary: Glossary, progress: Progress):
        self.glossary = glossary
        self.progress = progress
        self.results: list[Result] = []
        self.before: list[Record | None] = []  # each answered card as it was before, for undo

    def choose(self, question: Question, option: int, now: datetime, ms: int | None = None) -> Result:
        """A choice answer: the index of the picked option, or DONT_KNOW."""
        if option == DONT_KNOW:
            return self.record(question, "", False, AGAIN, now, ms=ms)
        right = option == question.answer
        return self.record(
            question, question.options[option].term, right, GOOD if right else AGAIN, now, ms=ms
        )

    def typed(self, question: Question, text: str, now: datetime, ms: int | None = None) -> Result:
        """A typed answer; an empty one means 'I don't know'."""
        verdict = check_typed(self.glossary, question.entry, text)
        rating = GOOD if verdict.correct else AGAIN
        return self.record(question, text.strip(), verdict.correct, rating, now, verdict.typo, ms)

    def recall(
        self,
        question: Question,
        text: str,
        grade: int,
        now: datetime,
        ms: int | None = None,
        card: Card | None = None,
    ) -> Result:
        """A recall answer: what the user wrote (maybe nothing) and their own grade 1-4; `card` is
        the one the grade's preview showed."""
        return self.record(question, text.strip(), grade != AGAIN, grade, now, ms=ms, card=card)

    def computed(
        self, question: ComputeQuestion, text: str, graded: Graded, now: datetime, ms: int | None = None
    ) -> Result:
        """A compute answer, graded against the exercise's value; a blank one means 'I don't know'."""
        rating = GOOD if graded.right else AGAIN
        return self.record(question, text.strip(), graded.right, rating, now, ms=ms)

    def record(
        self,
        question: AnyQuestion,
        answer: str,
        correct: bool,
        rating: int,
        now: datetime,
        typo: bool = False,
        ms: int | None = None,
        card: Card | None = None,
    ) -> Result:
        self.before.append(self.progress.get(question.key))
        saved = self.progress.review(question.key, question.term, rating, now, card, ms)
        result = Result(question, answer, correct, rating, saved.due, typo, ms)
        self.results.append(result)
        return result

    def previews(self, question: AnyQuestion, now: datetime) -> dict[int, Card]:
        """What each grade would schedule, as Anki shows above its buttons."""
        return self.progress.preview(question.key, now)

    def undo(self) -> Result | None:
        """Take back the last answer: restore the card as it was, on disk too. None if none."""
        if not self.results:
            return None
        result = self.results.pop()
        self.progress.restore(result.question.key, self.before.pop())
        return result

    @property
    def first_tries(self) -> list[Result]:
        return [r for r in self.results if not r.relearn]

    @property
    def asked(self) -> int:
        """Cards asked, not counting relearning repeats."""
        return len(self.first_tries)

    @property
    def correct(self) -> int:
        """Cards answered right the first time they were asked."""
        return sum(r.correct for r in self.first_tries)

    def relearned(self) -> dict[str, int]:
        """The cards missed, then answered right in a repeat, by label: how many repeats each took."""
        tries: dict[str, int] = {}
        for r in self.results:
            if r.relearn:
                tries[r.label] = tries.get(r.label, 0) + 1
        right = {r.label for r in self.results if r.relearn and r.correct}
        return {term: n for term, n in tries.items() if term in right}

    def to_review(self) -> list[Result]:
        """The terms missed at first try in this sitting, with their latest due date, soonest first."""
        latest = {r.question.key: r for r in self.results}
        missed = {r.question.key for r in self.first_tries if not r.correct}
        return sorted((latest[k] for k in missed), key=lambda r: r.due)


# --- the loop --------------------------------------------------------------------------------


class Undo(Exception):
    """The user typed :u: take back the last answer."""


class Conversation(Protocol):
    """The user's side of the loop. `read` raises EOFError at the end of input; it and every
    other method may raise KeyboardInterrupt. Both end the quiz early."""

    def show(self, question: AnyQuestion, number: int, total: int) -> None: ...

    def read(self, stage: Stage, options: int) -> str: ...

    def retry(self, stage: Stage, options: int) -> None:
        """The last answer made no sense for this stage (or there is nothing to undo): say what would."""

    def reveal(self, question: Question, previews: dict[int, timedelta]) -> None:
        """The real definition of a recall card, and what each grade would schedule."""

    def feedback(self, result: Result) -> None: ...

    def undone(self, result: Result) -> None:
        """The answer just taken back."""


def run(
    session: Session, questions: Sequence[AnyQuestion], talk: Conversation, clock: Callable[[], datetime]
) -> bool:
    """Ask every question, and each missed one again until it is right; `clock` gives the time of
    each answer. True if all were asked; False if Ctrl-C or the end of input stopped the quiz
    (the answers given are saved)."""
    queue: list[AnyQuestion] = list(questions)
    history: list[list[AnyQuestion]] = []  # the queue before each answer, for undo
    try:
        while queue:
            question = queue[0]
            talk.show(question, min(session.asked + 1, len(questions)), len(questions))
            try:
                result = answer(session, question, talk, clock)
            except Undo:
                with shielded():
                    undone = session.undo()
                if undone is None:
                    talk.retry("undo", 0)
                else:
                    queue = history.pop()
                    talk.undone(undone)
                continue
            history.append(list(queue))
            queue.pop(0)
            if not result.correct:
                queue.insert(min(RELEARN_GAP, len(queue)), question.again())
            talk.feedback(result)
    except (KeyboardInterrupt, EOFError):
        return False
    return True


def answer(
    session: Session, question: AnyQuestion, talk: Conversation, clock: Callable[[], datetime]
) -> Result:
    """Read until the answer is usable, then grade and save it."""
    shown = clock()

    def ms(now: datetime) -> int:
        return max(0, round((now - shown).total_seconds() * 1000))

    if question.mode == "choice":
        n = len(question.options)
        option = read_until(talk, "choice", n, lambda line: pick_option(question, line))
        with shielded():
            now = clock()
            return session.choose(question, option, now, ms(now))
    if question.mode == "typed":
        text = ask(talk, "typed", 0)
        with shielded():
            now = clock()
            return session.typed(question, text, now, ms(now))
    if question.mode == "compute":
        compute = question  # the narrowed type, for the closure

        def graded(line: str) -> tuple[str, Graded] | None:
            verdict = compute.grade(line)
            return None if verdict is None else (line, verdict)

        text, verdict = read_until(talk, "compute", 0, graded)
        with shielded():
            now = clock()
            return session.computed(question, text, verdict, now, ms(now))
    text = ask(talk, "recall", 0)
    at = clock()
    previews = session.previews(question, at)
    talk.reveal(question, {r: card.due - at for r, card in previews.items()})
    grade = read_until(talk, "grade", 4, parse_grade)
    with shielded():
        return session.recall(question, text, grade, at, ms(clock()), previews[grade])


def ask(talk: Conversation, stage: Stage, options: int) -> str:
    """One line from the user; Undo if it asks to take back the last answer."""
    line = talk.read(stage, options)
    if line.strip().casefold() in UNDO:
        raise Undo
    return line


def read_until(talk: Conversation, stage: Stage, options: int, parse: Callable[[str], T | None]) -> T:
    """Ask again, after a hint, until `parse` makes sense of the line."""
    value = parse(ask(talk, stage, options))
    while value is None:
        talk.retry(stage, options)
        value = parse(ask(talk, stage, options))
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
