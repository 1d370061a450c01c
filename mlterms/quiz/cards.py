"""Which entries are cards, what a card's id is, and the four ratings of an answer.

A term's card id is its lookup key (`dropout`); a demo exercise's is `exercise:<demo>:<id>`,
<demo> the demo's name as a lookup key, <id> the exercise's slug (see compute.py).
"""

from __future__ import annotations

import functools

from mlterms.glossary import Entry, Glossary
from mlterms.names import key

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4  # FSRS's ratings
EXERCISE = "exercise:"  # the prefix of an exercise card's id
RATINGS = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """names.key, remembered: picking the wrong options of one question asks it thousands of times."""
    return key(name)


def card_key(entry: Entry) -> str:
    """A term's card id: its lookup key, so 'Batch-Norm' and 'batch norm' share progress."""
    return name_key(entry.term)


def exercise_key(demo: str, exercise_id: str) -> str:
    """An exercise card's id: 'exercise:l1loss:mae'."""
    return f"{EXERCISE}{key(demo)}:{exercise_id}"


def is_exercise(card: str) -> bool:
    """Is this card id an exercise's (asked only in --mode compute)?"""
    return card.startswith(EXERCISE)


def quizzable(glossary: Glossary) -> list[Entry]:
    """Entries that can be asked: with a definition, one per card (the first of duplicate headings)."""
    seen: set[str] = set()
    pool = []
    for entry in glossary.entries:
        k = card_key(entry)
        if entry.definition and k and k not in seen:
            seen.add(k)
            pool.append(entry)
    return pool
