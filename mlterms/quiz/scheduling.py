"""Which cards a quiz asks, and how the learning is going: due counts, retention, hardest terms."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol, TypeVar

from mlterms.glossary import Entry, Glossary
from mlterms.quiz import insights
from mlterms.quiz.cards import AGAIN, HARD, card_key, is_exercise, quizzable
from mlterms.quiz.insights import Weak
from mlterms.quiz.state import Progress, Record

SOON = timedelta(days=7)  # the horizon of "due in 7 days"
LEARN_AHEAD = timedelta(minutes=20)  # Anki's learn-ahead limit: with nothing due, ask what is due this soon


class Named(Protocol):
    """A card's subject: a glossary entry, or a demo's exercise (its term is the demo's)."""

    @property
    def term(self) -> str: ...


C = TypeVar("C", bound=Named)


def select(
    pool: list[C],
    progress: Progress,
    *,
    key: Callable[[C], str],
    count: int,
    new: int,
    now: datetime,
    rng: random.Random,
    everything: bool = False,
    prerequisites: dict[str, list[str]] | None = None,
) -> list[C]:
    """The cards to ask (`key` gives each one's card id): due ones first (most overdue first),
    then at most `new` unseen ones. With none of those, the cards due within LEARN_AHEAD, as
    Anki learns ahead. `everything`: any card, due or not, in a random order.

    New cards come in a random order that never puts a card before the new cards of what it
    builds on (`prerequisites`: term -> the terms it builds on, links.Links.builds_on), so that
    the quiz and `mlterms path` agree on what comes first.
    """
    if everything:
        chosen = list(pool)
        rng.shuffle(chosen)
        return chosen[:count]
    seen = [(c, r) for c in pool if (r := progress.get(key(c))) is not None]
    fresh = [c for c in pool if progress.get(key(c)) is None]
    rng.shuffle(fresh)
    if prerequisites:
        fresh = prerequisites_first(fresh, prerequisites)

    def due_by(when: datetime) -> list[C]:
        due = sorted(((c, r) for c, r in seen if r.due <= when), key=lambda cr: cr[1].due)
        return [c for c, _ in due]

    return (due_by(now) + fresh[:new])[:count] or due_by(now + LEARN_AHEAD)[:count]


def prerequisites_first(entries: list[C], prerequisites: dict[str, list[str]]) -> list[C]:
    """The entries in their order, except that each comes after those of its prerequisites (direct
    or not) that are among them. A prerequisite cycle is broken where it is met."""
    by_term = {e.term: e for e in entries}
    placed: dict[str, None] = {}
    visiting: set[str] = set()

    def place(term: str) -> None:
        if term in placed or term in visiting:
            return
        visiting.add(term)
        for before in prerequisites.get(term, []):
            place(before)
        visiting.discard(term)
        if term in by_term:
            placed[term] = None

    for entry in entries:
        place(entry.term)
    return [by_term[t] for t in placed]


@dataclass(frozen=True)
class HardCard:
    """A card the user struggled with."""

    term: str
    lapses: int
    reviews: int
    difficulty: float  # FSRS difficulty, 1 (easy) to 10
    due: datetime


@dataclass(frozen=True)
class Stats:
    """Progress over the cards of one glossary."""

    cards: int
    seen: int
    due_now: int
    due_soon: int  # due after now but within SOON
    reviews: int
    retention: float | None  # share of answers that were not 'again'; None before any answer
    next_due: datetime | None  # the soonest card due after now
    hardest: list[HardCard]
    orphans: int  # term cards in the file not in this glossary (another glossary's): kept
    path: Path
    reviews_by_day: dict[date, int] = field(default_factory=dict)  # local days
    streak_days: int = 0
    due_forecast: list[int] = field(default_factory=list)  # the next 14 local days, today first
    retention_observed: float | None = None  # on mature cards
    retention_target: float = 0.9
    weakest: list[Weak] = field(default_factory=list)
    seconds_per_answer: float | None = None

    @property
    def new(self) -> int:
        return self.cards - self.seen


def hardest(records: list[tuple[Entry, Record]], limit: int = 5) -> list[HardCard]:
    """Cards ever answered 'again' or 'hard', most lapses first, then highest FSRS difficulty."""
    struggled = [(e, r) for e, r in records if any(x.rating <= HARD for x in r.log)]
    struggled.sort(key=lambda er: (-er[1].lapses, -(er[1].card.difficulty or 0)))
    return [
        HardCard(e.term, r.lapses, r.reviews, r.card.difficulty or 0, r.due) for e, r in struggled[:limit]
    ]


def stats(glossary: Glossary, progress: Progress, now: datetime, tz: tzinfo | None = None) -> Stats:
    """Cards, seen, due now and soon, retention, hardest and weakest terms, cards of other
    glossaries, and the review history by local day, over term cards (exercise cards have their
    own, compute.stats) (`tz`; None: the system's time zone)."""
    pool = quizzable(glossary)
    seen = [(e, r) for e in pool if (r := progress.get(card_key(e))) is not None]
    records = [r for _, r in seen]
    ratings = [x.rating for r in records for x in r.log]
    upcoming = [r.due for r in records if r.due > now]
    days = insights.reviews_by_day(records, tz)
    return Stats(
        cards=len(pool),
        seen=len(seen),
        due_now=sum(r.due <= now for r in records),
        due_soon=sum(now < r.due <= now + SOON for r in records),
        reviews=len(ratings),
        retention=sum(x != AGAIN for x in ratings) / len(ratings) if ratings else None,
        next_due=min(upcoming, default=None),
        hardest=hardest(seen),
        orphans=len({k for k in progress.cards if not is_exercise(k)} - {card_key(e) for e, _ in seen}),
        path=progress.path,
        reviews_by_day=days,
        streak_days=insights.streak(days, insights.local_day(now, tz)),
        due_forecast=insights.due_forecast(records, now, tz),
        retention_observed=insights.observed_retention(records),
        retention_target=progress.target,
        weakest=insights.weakest([(e.term, r) for e, r in seen], progress.scheduler, now),
        seconds_per_answer=insights.seconds_per_answer(records),
    )
