"""The term filter of `mlterms explore`: names and aliases matched fuzzily as the user types.

A name matches a query, best first, when its key (names.key) is the query's key, starts with
it, starts with it from a later word on ('neural net' for bayesian neural network) or by its
word initials ('bn' for batch normalization), holds it, or holds its letters in order
('btnrm'). An entry ranks by its best name; ties keep the shorter name first, then the
glossary's order. Nothing here imports Textual.
"""

from __future__ import annotations

from mlterms.glossary import Entry
from mlterms.lookup import word_tails
from mlterms.names import SEPARATORS, key

EXACT, PREFIX, WORD, INSIDE, SCATTERED = range(5)


def tier(name: str, k: str) -> int | None:
    """How well a name matches a query key: EXACT ... SCATTERED, or None."""
    name_key = key(name)
    if name_key == k:
        return EXACT
    if name_key.startswith(k):
        return PREFIX
    words = [w for w in SEPARATORS.split(name.casefold()) if w]
    initials = "".join(w[0] for w in words)
    if initials.startswith(k) or any(tail.startswith(k) for tail in word_tails(name)[1:]):
        return WORD
    if k in name_key:
        return INSIDE
    return SCATTERED if in_order(k, name_key) else None


def in_order(letters: str, text: str) -> bool:
    """Do the letters appear in the text in this order (not necessarily side by side)?"""
    rest = iter(text)
    return all(letter in rest for letter in letters)


def matching(entries: list[Entry], query: str) -> list[Entry]:
    """The entries whose term or an alias matches the query, best first; all of them for ''."""
    k = key(query)
    if not k:
        return list(entries)
    ranked = []
    for position, entry in enumerate(entries):
        found = [(t, len(key(name))) for name in entry.names if (t := tier(name, k)) is not None]
        if found:
            ranked.append((*min(found), position, entry))
    return [entry for *_rank, entry in sorted(ranked, key=lambda r: r[:3])]
