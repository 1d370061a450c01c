"""Compute cards: the demos' exercises as flashcards, one card per exercise, fresh numbers each time.

A card's id is `exercise:<demo>:<id>` (cards.exercise_key). The cards are known from the demo
files alone (`registry.exercise_ids`), so listing or counting them imports neither torch nor any
demo. The numbers come from running the demo when the question is first shown, under the
question's seed: with `--seed N` it is N (N + k on the k-th repeat of a missed card, so a repeat
asks new numbers too), else each question draws one, so that a learner can't learn a value by
heart. Running a demo imports torch, once per session; the demo modules and torch are imported
only in the functions that run one.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Literal

from mlterms.glossary import Entry, Glossary
from mlterms.names import key
from mlterms.quiz.cards import AGAIN, exercise_key
from mlterms.quiz.options import QuizOptions
from mlterms.quiz.scheduling import select
from mlterms.quiz.state import Progress

if TYPE_CHECKING:
    from mlterms.demos.answers import Graded
    from mlterms.demos.report import Exercise, Report

SEEDS = 10_000  # without --seed, a question's seed is drawn from 0 to SEEDS - 1
MAX_SEED = 2**32  # numpy's seeds stop below this


class DemoFailed(Exception):
    """Running a demo for its exercise failed (a bug in the demo); str(e) says which and why."""


@dataclass(frozen=True)
class ExerciseCard:
    demo: str  # the demo's name, as `mlterms demo` takes it
    id: str  # the exercise's slug
    term: str  # the glossary term the demo belongs to (the demo's name if the glossary has none)

    @property
    def key(self) -> str:
        return exercise_key(self.demo, self.id)


def card_key(card: ExerciseCard) -> str:
    return card.key


def catalog(glossary: Glossary) -> list[ExerciseCard]:
    """Every exercise card, by demo name. A demo belongs to the entry headed with its name, else to
    the first entry that has its name as an alias."""
    from mlterms.demos.registry import exercise_ids

    terms = {key(e.term): e.term for e in reversed(glossary.entries)}
    for entry in reversed(glossary.entries):
        for alias in entry.aliases:
            terms.setdefault(key(alias), entry.term)
    return [
        ExerciseCard(demo, i, terms.get(key(demo), demo))
        for demo, ids in sorted(exercise_ids().items())
        for i in ids
    ]


def of_entries(cards: list[ExerciseCard], entries: list[Entry]) -> list[ExerciseCard]:
    """The cards of these entries' demos (a demo named like the entry or one of its aliases)."""
    wanted = {key(name) for entry in entries for name in entry.names}
    return [c for c in cards if key(c.demo) in wanted]


@dataclass
class ComputeQuestion:
    """One exercise to compute, with the seed of the demo run that gives its numbers."""

    card: ExerciseCard
    seed: int
    relearn: bool = False  # asked again in the same sitting after a miss
    mode: Literal["compute"] = "compute"

    @property
    def key(self) -> str:
        return self.card.key

    @property
    def term(self) -> str:
        return self.card.term

    @property
    def label(self) -> str:
        """'softmax/largest-prob': a demo may have several exercises."""
        return f"{self.card.term}/{self.card.id}"

    @cached_property
    def exercise(self) -> Exercise:
        """The question, its given inputs and its answer: runs the demo the first time."""
        return exercise(self.card, self.seed)

    def grade(self, text: str) -> Graded | None:
        """The typed answer graded (mlterms.demos.answers); None if it is not numbers."""
        from mlterms.demos.answers import grade

        return grade(self.exercise, text)

    def again(self) -> ComputeQuestion:
        """The same card asked again after a miss, with the next seed: new numbers."""
        return dataclasses.replace(self, seed=(self.seed + 1) % MAX_SEED, relearn=True)


@lru_cache(maxsize=8)  # a demo's exercises share one run
def report(demo: str, seed: int) -> Report:
    from mlterms.demos.registry import run

    try:
        return run(demo, seed)
    except Exception as e:  # a broken demo: one line, not a traceback
        raise DemoFailed(f"demo '{demo}' failed: {type(e).__name__}: {e}") from None


def exercise(card: ExerciseCard, seed: int) -> Exercise:
    found = [e for e in report(card.demo, seed).exercises if e.id == card.id]
    if not found:
        raise DemoFailed(f"demo '{card.demo}' has no exercise '{card.id}' when run")
    return found[0]


def plan(
    cards: list[ExerciseCard],
    progress: Progress,
    options: QuizOptions,
    *,
    now: datetime,
    rng: random.Random,
) -> list[ComputeQuestion]:
    """The compute questions of one quiz, in order, scheduled like term cards (see
    scheduling.select); named terms (`options.terms`) are asked now, due or not."""
    chosen = select(
        cards,
        progress,
        key=card_key,
        count=options.count,
        new=options.new,
        now=now,
        rng=rng,
        everything=options.everything or bool(options.terms),
    )
    return [
        ComputeQuestion(c, rng.randrange(SEEDS) if options.seed is None else options.seed) for c in chosen
    ]


@dataclass(frozen=True)
class ComputeStats:
    """Progress over the exercise cards, which --stats shows in a line of their own."""

    cards: int
    seen: int
    due_now: int
    reviews: int
    retention: float | None  # share of answers that were right; None before any
    next_due: datetime | None  # the soonest card due after now

    @property
    def new(self) -> int:
        return self.cards - self.seen


def stats(cards: list[ExerciseCard], progress: Progress, now: datetime) -> ComputeStats:
    records = [r for c in cards if (r := progress.get(c.key)) is not None]
    ratings = [x.rating for r in records for x in r.log]
    return ComputeStats(
        cards=len(cards),
        seen=len(records),
        due_now=sum(r.due <= now for r in records),
        reviews=len(ratings),
        retention=sum(x != AGAIN for x in ratings) / len(ratings) if ratings else None,
        next_due=min((r.due for r in records if r.due > now), default=None),
    )
