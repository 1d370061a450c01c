"""Which entries are cards, what a card's id is, and the four ratings of an answer."""

from __future__ import annotations

from mlterms.glossary import Entry, Glossary
from mlterms.names import key

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4  # FSRS's ratings
RATINGS = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}


def card_key(entry: Entry) -> str:
    """A term's card id: its lookup key, so 'Batch-Norm' and 'batch norm' share progress."""
    return key(entry.term)


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
