"""The state file's format: records of FSRS cards with their review logs, to and from JSON text.

    {"format": "mlterms-quiz", "version": 2, "scheduler": {"parameters": [...]}, "cards": {
     "dropout": {"term": "dropout", "fsrs": {"card_id": 12345, "state": 2, "due": "2026-11-27T...", ...},
                 "log": [["2026-11-25T01:02:03+00:00", 3, 4200], ["2026-11-26T08:00:00+00:00", 1, null]]}
    }}

Each log entry is (UTC time, rating 1-4, duration in ms from question shown to answer given).
Version 1 had no durations: its entries are (time, rating), read as a duration of None (never a
made-up one), and written back as version 2 at the next save. `scheduler` holds the parameters
that `quiz --optimize` fitted and the `desired_retention` that `--retention` set; without them
the scheduler uses py-fsrs' defaults.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from fsrs import Card, Rating

FORMAT, VERSION = "mlterms-quiz", 2


class ProgressError(Exception):
    """The state file cannot be used safely; str(e) says which file and why."""


class Corrupt(Exception):
    """The state file was read but its content is not a quiz state; str(e) is the short reason."""


class Review(NamedTuple):
    """One answer: when (UTC, ISO 8601), the rating 1-4, and how long it took (None: not recorded)."""

    at: str
    rating: int
    ms: int | None = None


@dataclass
class Record:
    """One term's card: the FSRS card plus every answer ever given."""

    term: str
    card: Card
    log: list[Review] = field(default_factory=list)

    @property
    def reviews(self) -> int:
        return len(self.log)

    @property
    def lapses(self) -> int:
        return sum(1 for review in self.log if review.rating == Rating.Again)

    @property
    def due(self) -> datetime:
        return self.card.due


@dataclass
class Stored:
    """Everything in a state file: the cards, and the fitted scheduler parameters if any."""

    cards: dict[str, Record] = field(default_factory=dict)
    parameters: list[float] | None = None
    retention: float | None = None  # the desired retention set with --retention; None: 0.9

    def scheduler_json(self) -> dict[str, Any]:
        settings: dict[str, Any] = {"parameters": self.parameters, "desired_retention": self.retention}
        return {k: v for k, v in settings.items() if v is not None}


def encode(record: Record) -> dict[str, Any]:
    """A record as it is stored in the file."""
    return {"term": record.term, "fsrs": record.card.to_dict(), "log": [list(x) for x in record.log]}


def review(entry: Any) -> Review:
    """A log entry of version 1 ([time, rating]) or 2 ([time, rating, ms or null])."""
    at, rating, *rest = entry
    if len(rest) > 1 or int(rating) not in (1, 2, 3, 4):
        raise ValueError("a log entry that is not [time, rating, ms]")
    ms = rest[0] if rest else None
    return Review(str(at), int(rating), None if ms is None else int(ms))


def decode(data: Any) -> Record:
    """A record from the file; ValueError, KeyError, TypeError or AttributeError if it is not one."""
    log = [review(entry) for entry in data.get("log", [])]
    card = Card.from_dict(data["fsrs"])
    if card.due.tzinfo is None or (card.last_review and card.last_review.tzinfo is None):
        raise ValueError("a date without a time zone")
    return Record(term=str(data["term"]), card=card, log=log)


def card_id(key: str) -> int:
    """FSRS wants an int id; derive a stable one from the term key."""
    return zlib.crc32(key.encode("utf-8"))


def new_card(key: str, now: datetime) -> Card:
    return Card(card_id=card_id(key), due=now)


def parse_state(text: str, path: Path) -> Stored:
    """What a state file's text holds. Corrupt if it is not a state; ProgressError if it is one
    from a version this mlterms does not know (a newer mlterms wrote it: leave it alone)."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Corrupt(reason(e)) from None
    if not isinstance(data, dict) or not isinstance(data.get("cards"), dict):
        raise Corrupt("corrupt (not an mlterms quiz state)")
    version = data.get("version", VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProgressError(f"{path}: version {version!r} is not one mlterms knows; not touching it")
    if version > VERSION:
        raise ProgressError(f"{path}: version {version} is from a newer mlterms; not touching it")
    try:
        cards = {str(k): decode(v) for k, v in data["cards"].items()}
        settings = data.get("scheduler", {})
        parameters = settings.get("parameters")
        parameters = None if parameters is None else [float(x) for x in parameters]
        retention = settings.get("desired_retention")
        retention = None if retention is None else float(retention)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise Corrupt(reason(e)) from None
    return Stored(cards, parameters, retention)


def dump_state(stored: Stored) -> str:
    """The file's text: one card per line, so it reads and diffs well."""
    lines = ",\n".join(
        f" {json.dumps(k, ensure_ascii=False)}: {json.dumps(encode(r), ensure_ascii=False)}"
        for k, r in sorted(stored.cards.items())
    )
    settings = stored.scheduler_json()
    scheduler = f'"scheduler": {json.dumps(settings)}, ' if settings else ""
    return f'{{"format": "{FORMAT}", "version": {VERSION}, {scheduler}"cards": {{\n{lines}\n}}}}\n'


def reason(error: Exception) -> str:
    """A short reason: 'corrupt (Expecting value: line 1 column 1)' or 'permission denied'."""
    if isinstance(error, OSError):
        return (error.strerror or str(error)).lower()
    if isinstance(error, KeyError):
        return f"corrupt (missing {error})"
    detail = str(error).split(" (char ")[0] or type(error).__name__
    return f"corrupt ({detail})"
