"""The quiz's memory: one FSRS card per glossary term, kept in a JSON file that is never lost.

The file is `state.json` in the platform user data dir, or in `$MLTERMS_HOME` (places.py).
Its format (JSON, one card per line, versioned) is in `stored.py`.

A card's id is `names.key(term)` ('Batch-Norm' and 'batch norm' are one card), so editing a
heading's case, spaces or hyphens keeps its progress. Cards of terms that left the glossary
stay in the file.

Reading changes nothing. A file that cannot be read at all (permission denied, an I/O error, a
directory in its place) is a ProgressError. A file that was read but is not a state is
*corrupt*: `Progress.open` says so in `corrupt` and starts with no cards, and the file is renamed
aside (`state.json.corrupt-<time>`) only by `set_aside`, which a quiz calls before its first
write. It is never overwritten.

Every save is atomic (temp file in the same directory, fsync, os.replace), re-reads the file
under a lock and changes only the cards just answered, so two quizzes at once never undo each
other. Temp files are made only under the lock, so one found while holding it was left by a
process that died mid-save: the save removes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from mlterms.files import locked, remove_stale_temps, write_atomic
from mlterms.places import state_file
from mlterms.quiz.stored import (  # noqa: F401  (the file format, re-exported for callers of the store)
    FORMAT,
    VERSION,
    Corrupt,
    ProgressError,
    Record,
    Review,
    Stored,
    card_id,
    decode,
    dump_state,
    encode,
    new_card,
    parse_state,
    reason,
)

DEFAULT_RETENTION = 0.9  # py-fsrs' default desired retention


def stamp(now: datetime) -> str:
    """A compact UTC timestamp for file names: 20261125T010203Z."""
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def read_state(path: Path) -> Stored:
    """What the file holds, nothing if there is no file yet. Corrupt for bad content;
    ProgressError if the file cannot be read at all."""
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        return Stored()
    except UnicodeDecodeError as e:  # read, but not text
        raise Corrupt(f"corrupt (not UTF-8 text: byte 0x{e.object[e.start]:02x})") from None
    except OSError as e:
        raise ProgressError(f"{path}: cannot read it: {reason(e)}") from None
    return parse_state(text, path)


def read_cards(path: Path) -> dict[str, Record]:
    """The cards in the file (see read_state)."""
    return read_state(path).cards


def move_aside(path: Path, label: str, now: datetime) -> Path:
    """Rename `path` to `<name>.<label>-<timestamp>` (never over another file) and return the new path."""
    base = path.with_name(f"{path.name}.{label}-{stamp(now)}")
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    os.replace(path, target)
    return target


class Progress:
    """All cards and their schedule. Nothing here prints."""

    def __init__(
        self, path: Path, cards: dict[str, Record] | None = None, fuzz: bool = True, persist: bool = True
    ):
        self.path = path
        self.cards: dict[str, Record] = cards or {}
        self.fuzz = fuzz
        self.parameters: list[float] | None = None  # fitted by --optimize; None: py-fsrs' defaults
        self.retention: float | None = None  # the desired retention; None: py-fsrs' default, 0.9
        self.unsaved: set[str] = set()  # the settings to write at the next save: parameters, retention
        self.corrupt: str | None = None  # why the file on disk is not a state, if it is not
        self.persist = persist  # False (--no-save): answers change the cards in memory only

    @classmethod
    def open(cls, path: Path | None = None, fuzz: bool = True, persist: bool = True) -> Progress:
        """Read the state file, changing nothing on disk. A corrupt file gives no cards and sets
        `corrupt`; a file that cannot be read is a ProgressError. With `persist` False nothing
        is ever written, not even a lock file."""
        progress = cls(Path(path) if path else state_file(), fuzz=fuzz, persist=persist)
        try:
            stored = read_state(progress.path)
            progress.cards, progress.parameters, progress.retention = (
                stored.cards,
                stored.parameters,
                stored.retention,
            )
        except Corrupt as e:
            progress.corrupt = str(e)
        return progress

    def set_aside(self, now: datetime) -> Path | None:
        """Before a quiz writes: rename a corrupt file aside, so that it is never overwritten.
        Returns its new path; None if there was nothing to move (or someone replaced it since)."""
        if self.corrupt is None or not self.persist:
            return None
        with locked(self.path):
            try:
                self.cards = read_cards(self.path)  # another quiz may have set it aside already
            except Corrupt:
                try:
                    kept = move_aside(self.path, "corrupt", now)
                except OSError as e:
                    raise ProgressError(
                        f"{self.path}: {self.corrupt}, and cannot move it aside: {reason(e)}"
                    ) from None
                self.cards = {}
                return kept
            finally:
                self.corrupt = None
        return None

    @property
    def scheduler(self) -> Scheduler:
        """The FSRS scheduler, with the fitted parameters if there are any."""
        return Scheduler(
            parameters=self.parameters or DEFAULT_PARAMETERS,
            desired_retention=self.target,
            enable_fuzzing=self.fuzz,
        )

    @property
    def target(self) -> float:
        """The desired retention the scheduler aims at."""
        return self.retention if self.retention is not None else DEFAULT_RETENTION

    def configure(self, parameters: list[float] | None = None, retention: float | None = None) -> None:
        """Change the scheduler's parameters or desired retention; written at the next save."""
        if parameters is not None:
            self.parameters = list(parameters)
            self.unsaved.add("parameters")
        if retention is not None:
            self.retention = retention
            self.unsaved.add("retention")

    def get(self, key: str) -> Record | None:
        return self.cards.get(key)

    def preview(self, key: str, now: datetime) -> dict[int, Card]:
        """What each rating would schedule for the card now, changing nothing."""
        old = self.cards.get(key)
        card = old.card if old else new_card(key, now)
        return {r: self.scheduler.review_card(card, Rating(r), review_datetime=now)[0] for r in range(1, 5)}

    def review(
        self,
        key: str,
        term: str,
        rating: int,
        now: datetime,
        scheduled: Card | None = None,
        ms: int | None = None,
    ) -> Record:
        """Schedule the card after an answer (1 again, 2 hard, 3 good, 4 easy) and save it at once.
        `scheduled` is the card that `preview` showed for this rating at `now`, to keep its interval;
        `ms` is how long the answer took."""
        old = self.cards.get(key)
        if scheduled is None:
            card = old.card if old else new_card(key, now)
            scheduled, _ = self.scheduler.review_card(card, Rating(rating), review_datetime=now)
        log = [*(old.log if old else []), Review(now.isoformat(timespec="seconds"), int(rating), ms)]
        self.cards[key] = Record(term=term, card=scheduled, log=log)
        self.save({key})
        return self.cards[key]

    def restore(self, key: str, record: Record | None) -> None:
        """Put a card back as it was before an answer (None: it had never been answered), and save."""
        if record is None:
            self.cards.pop(key, None)
        else:
            self.cards[key] = record
        self.save({key})

    def save(self, keys: set[str]) -> None:
        """Write these cards (removing those no longer in memory), keeping whatever else is on disk:
        another quiz may have saved since. Nothing is written when `persist` is False."""
        if not self.persist:
            return

        def merge(disk: Stored) -> None:
            for k in keys:
                if k in self.cards:
                    disk.cards[k] = self.cards[k]
                else:
                    disk.cards.pop(k, None)

        self.update(merge)

    def update(self, change: Callable[[Stored], None]) -> None:
        """Change the state as it is on disk now: under the lock, re-read the file, write the settings
        changed here (`configure`), apply `change` to the cards read, and save. What another quiz
        saved meanwhile is kept, and this Progress then holds what was written. With `persist`
        False, `change` applies to the cards in memory and nothing is written."""
        if not self.persist:
            change(Stored(self.cards, self.parameters, self.retention))
            return
        with locked(self.path):
            remove_stale_temps(self.path)
            try:
                disk = read_state(self.path)
            except Corrupt as e:
                raise ProgressError(f"{self.path}: {e}; not overwriting it") from None
            if "parameters" in self.unsaved:
                disk.parameters = self.parameters
            if "retention" in self.unsaved:
                disk.retention = self.retention
            change(disk)
            try:
                write_atomic(self.path, dump_state(disk))
            except OSError as e:
                raise ProgressError(f"cannot save {self.path}: {e.strerror or e}") from None
        self.cards, self.parameters, self.retention = disk.cards, disk.parameters, disk.retention
        self.unsaved = set()

    def reset(self, now: datetime) -> Path | None:
        """Start over: the old file is kept as `state.json.reset-<timestamp>`; returns its path."""
        with locked(self.path):
            if not self.path.exists():
                return None
            kept = move_aside(self.path, "reset", now)
        self.cards, self.corrupt = {}, None
        return kept
