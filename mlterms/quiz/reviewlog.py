"""The review log for the FSRS optimizer: export it as CSV, count what the optimizer can use, fit
the scheduler's parameters to it and reschedule every card with them.

The CSV follows the optimizer's schema: `card_id, review_time` (ms since the epoch),
`review_rating, review_state` (the card's state *before* the review, replayed from the log:
New 0, Learning 1, Review 2, Relearning 3) and `review_duration` (ms; empty when not recorded).

Only `fit` imports torch (through py-fsrs' optimizer, the `optimizer` extra).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from fsrs import Rating, ReviewLog

from mlterms.files import write_atomic
from mlterms.quiz.state import Progress
from mlterms.quiz.stored import Record, Review, Stored, new_card

COLUMNS = ["card_id", "review_time", "review_rating", "review_state", "review_duration"]
NEW = 0  # the state of a card never reviewed (py-fsrs starts cards in Learning)
MIN_REVIEWS = 512  # below this many usable reviews, py-fsrs returns its default parameters
MAX_PER_CARD = 64  # py-fsrs uses at most the first 64 reviews of each card


def replay(key: str, record: Record, progress: Progress) -> Iterator[tuple[Review, int]]:
    """Each review of a card with the card's state before it."""
    card, scheduler = None, progress.scheduler
    for review in record.log:
        at = datetime.fromisoformat(review.at)
        if card is None:
            card = new_card(key, at)
            before = NEW
        else:
            before = int(card.state)
        yield review, before
        card, _ = scheduler.review_card(card, Rating(review.rating), review_datetime=at)


def export_csv(progress: Progress, path: Path) -> int:
    """Write the review log to `path` atomically; returns the number of reviews written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for key, record in sorted(progress.cards.items()):
        for review, state in replay(key, record, progress):
            ms = round(datetime.fromisoformat(review.at).timestamp() * 1000)
            duration = "" if review.ms is None else review.ms
            writer.writerow([record.card.card_id, ms, review.rating, state, duration])
            count += 1
    write_atomic(path, buffer.getvalue())
    return count


def review_logs(record: Record) -> list[ReviewLog]:
    return [
        ReviewLog(record.card.card_id, Rating(x.rating), datetime.fromisoformat(x.at), x.ms)
        for x in record.log
    ]


def usable(progress: Progress) -> int:
    """The reviews py-fsrs' optimizer learns from: of each card's first 64, those at least a day
    after that card's previous review."""
    count = 0
    for record in progress.cards.values():
        times = sorted(datetime.fromisoformat(x.at) for x in record.log)[:MAX_PER_CARD]
        count += sum((later - earlier).days > 0 for earlier, later in zip(times, times[1:], strict=False))
    return count


def optimize(progress: Progress) -> list[float]:
    """Fit the parameters to every card's reviews, save them, and reschedule every card.

    The fit takes seconds, so it runs outside the state file's lock; the rescheduling is done
    under it, on the cards as they are on disk then, so a quiz that saves meanwhile loses nothing
    (its reviews are rescheduled with the rest)."""
    logs = [log for record in progress.cards.values() for log in review_logs(record)]
    parameters = fit(logs)
    progress.configure(parameters=parameters)
    scheduler = progress.scheduler

    def reschedule(stored: Stored) -> None:
        for record in stored.cards.values():
            record.card = scheduler.reschedule_card(record.card, review_logs(record))

    progress.update(reschedule)
    return parameters


def fit(logs: list[ReviewLog]) -> list[float]:
    """py-fsrs' optimizer on these reviews (imports torch)."""
    from fsrs import Optimizer

    return list(Optimizer(logs).compute_optimal_parameters())
