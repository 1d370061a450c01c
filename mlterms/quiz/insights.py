"""What the review log says over time: reviews per day, the streak, the due forecast, observed
retention on mature cards, the weakest cards by retrievability, the time per answer.

Days are local days (the heatmap shows them so): a review at 00:30 local time counts on that day,
whatever its UTC date. `tz` is the local time zone (None: the system's), for tests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from fsrs import Scheduler

from mlterms.quiz.cards import AGAIN
from mlterms.quiz.stored import Record

MATURE = timedelta(days=21)  # Anki's mature cards: an interval of 21 days or more
FORECAST_DAYS = 14


@dataclass(frozen=True)
class Weak:
    term: str
    retrievability: float  # FSRS's predicted chance of recall now, 0 to 1


def local_day(at: datetime, tz: tzinfo | None = None) -> date:
    return at.astimezone(tz).date()


def review_times(record: Record) -> list[datetime]:
    return [datetime.fromisoformat(review.at) for review in record.log]


def reviews_by_day(records: list[Record], tz: tzinfo | None = None) -> dict[date, int]:
    """How many reviews each local day had, oldest first; days without any are left out."""
    days = Counter(local_day(at, tz) for r in records for at in review_times(r))
    return dict(sorted(days.items()))


def streak(days: dict[date, int], today: date) -> int:
    """Days in a row with at least one review, ending today (or yesterday, before today's first)."""
    day = today if days.get(today) else today - timedelta(days=1)
    count = 0
    while days.get(day):
        count += 1
        day -= timedelta(days=1)
    return count


def due_forecast(records: list[Record], now: datetime, tz: tzinfo | None = None) -> list[int]:
    """Cards due on each of the next 14 local days, today first (overdue cards count today)."""
    today = local_day(now, tz)
    counts = [0] * FORECAST_DAYS
    for r in records:
        offset = max(0, (local_day(r.due, tz) - today).days)
        if offset < FORECAST_DAYS:
            counts[offset] += 1
    return counts


def observed_retention(records: list[Record]) -> float | None:
    """The share of reviews of mature cards (asked 21 days or more after their previous review)
    that were not 'again'; None before any such review."""
    ratings = []
    for r in records:
        times = review_times(r)
        for previous, at, review in zip(times, times[1:], r.log[1:], strict=False):
            if at - previous >= MATURE:
                ratings.append(review.rating)
    return sum(x != AGAIN for x in ratings) / len(ratings) if ratings else None


def weakest(
    terms: list[tuple[str, Record]], scheduler: Scheduler, now: datetime, limit: int = 5
) -> list[Weak]:
    """The seen cards least likely to be recalled now, weakest first."""
    found = [Weak(term, scheduler.get_card_retrievability(r.card, now)) for term, r in terms]
    return sorted(found, key=lambda w: w.retrievability)[:limit]


def seconds_per_answer(records: list[Record]) -> float | None:
    """The mean time of the answers whose duration was recorded; None if none was."""
    times = [review.ms for r in records for review in r.log if review.ms is not None]
    return sum(times) / len(times) / 1000 if times else None
