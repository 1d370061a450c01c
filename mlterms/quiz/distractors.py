"""Fair choice questions: masking names in a clue, and wrong options that are hard but honest.

A wrong option is *fair* when none of its names shows in the clue (once the answer is masked):
otherwise the clue gives it away as wrong, or as the answer. It is never a synonym of the answer
(a shared alias) nor a *twin*, an entry one of whose names is a whole phrase of one of the
answer's names, or the other way round ('embedding' and 'embedding layer'): the clue of one
would fit the other. Twins are masked in the clue along with the answer.
"""

from __future__ import annotations

import functools
import os
import random
import re

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import Resolver
from mlterms.names import SEPARATORS
from mlterms.quiz.cards import card_key, name_key

BLANK = "_____"
OPTIONS = 4
STOP_WORDS = {"a", "an", "the", "of", "and", "or", "in", "on", "to", "for", "with", "by"}

Links = dict[str, set[str]]  # card key -> card keys it is linked to by 'see also'


# --- masking ---------------------------------------------------------------------------------


def name_pattern(name: str) -> str:
    """A regex for a name and its word forms: 'batch norm' also matches 'Batch-Norms', 'batchnorm'."""
    words = [w for w in SEPARATORS.split(name.strip()) if w]
    if not words:
        return ""
    *head, last = words
    if re.search(r"[^aeiou]y$", last, re.IGNORECASE):
        tail = re.escape(last[:-1]) + "(?:y|ies)"
    else:
        tail = re.escape(last) + "(?:e?s)?"
    body = r"[\s\-_]*".join([*map(re.escape, head), tail])
    return rf"(?<![^\W_]){body}(?:'s)?(?![^\W_])"  # not inside a longer word ('_' separates)


@functools.lru_cache(maxsize=4096)
def compiled(name: str) -> re.Pattern[str] | None:
    pattern = name_pattern(name)
    return re.compile(pattern, re.IGNORECASE) if pattern else None


def mask(text: str, names: list[str]) -> str:
    """The text with every form of every name replaced by _____."""
    patterns = [p for p in map(name_pattern, sorted(set(names), key=len, reverse=True)) if p]
    if not patterns:
        return text
    return re.sub("|".join(patterns), BLANK, text, flags=re.IGNORECASE)


def shows_in(entry: Entry, clue: list[str]) -> bool:
    """Does any name of the entry appear, as a whole word or phrase, in the clue?"""
    folded = " ".join(clue).casefold()
    for name in entry.names:
        if not all(word[:-1] in folded for word in SEPARATORS.split(name.strip().casefold())):
            continue  # quick test: the pattern needs every word (a plural may change the last letter)
        pattern = compiled(name)
        if pattern is not None and any(pattern.search(line) for line in clue):
            return True
    return False


# --- who is related to whom ------------------------------------------------------------------


def links(glossary: Glossary) -> Links:
    """See-also links in both directions, between card keys."""
    linked: Links = {}
    resolver = Resolver(glossary)  # one for all: it builds its index of plurals once
    for entry in glossary.entries:
        for name in entry.see_also:
            other = resolver.entry(name)
            if other:
                a, b = card_key(entry), card_key(other)
                linked.setdefault(a, set()).add(b)
                linked.setdefault(b, set()).add(a)
    return linked


def name_words(entry: Entry) -> frozenset[str]:
    """The content words of an entry's names, singular: {'batch', 'normalization'}."""
    return words_of(tuple(entry.names))


@functools.lru_cache(maxsize=4096)  # every pair of entries is compared while picking options
def words_of(names: tuple[str, ...]) -> frozenset[str]:
    words = {w for name in names for w in re.split(r"\W+", name.casefold()) if w}
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words - STOP_WORDS)


def similarity(a: Entry, b: Entry) -> int:
    """How alike two names look: shared words, plus one for a shared start ('convolution(al)')."""
    prefix = os.path.commonprefix([card_key(a), card_key(b)])
    return len(name_words(a) & name_words(b)) + (len(prefix) >= 5)


def synonym(a: Entry, b: Entry) -> bool:
    """Do the two entries share a name (an alias of one is a name of the other)?"""
    return bool({name_key(n) for n in a.names} & {name_key(n) for n in b.names})


def twin(a: Entry, b: Entry) -> bool:
    """Is a name of one a whole phrase inside a name of the other ('embedding', 'embedding layer')?"""
    if not name_words(a) & name_words(b):  # quick test: twins share a word
        return False
    for x, y in ((a, b), (b, a)):
        for name in x.names:
            pattern = compiled(name)
            if pattern is not None and any(pattern.search(other) for other in y.names):
                return True
    return False


def twins(entry: Entry, pool: list[Entry]) -> list[Entry]:
    """The other entries whose clue would fit this one as well: synonyms and twins."""
    return [e for e in pool if card_key(e) != card_key(entry) and (synonym(entry, e) or twin(entry, e))]


def plausibility(entry: Entry, other: Entry, linked: Links) -> tuple[bool, int, int]:
    """A sort key, most plausible first: a see-also link, shared neighbours, a look-alike name."""
    mine, theirs = linked.get(card_key(entry), set()), linked.get(card_key(other), set())
    return (card_key(other) not in mine, -len(mine & theirs), -similarity(entry, other))


def distractors(
    entry: Entry, pool: list[Entry], linked: Links, rng: random.Random, clue: list[str] | None = None
) -> list[Entry]:
    """Three wrong options, most plausible first, never a synonym or twin of the answer. Those
    that show in the clue come only when there are not enough others (the caller masks them)."""
    near = {card_key(e) for e in twins(entry, pool)} | {card_key(entry)}
    others: dict[str, Entry] = {}
    for e in pool:
        if card_key(e) not in near:
            others.setdefault(card_key(e), e)
    candidates = list(others.values())
    rng.shuffle(candidates)
    candidates.sort(key=lambda e: (shows_in(e, clue or []), *plausibility(entry, e, linked)))
    chosen: list[Entry] = []
    for strict in (True, False):  # options that are twins of each other only when nothing else is left
        for other in candidates:
            if len(chosen) == OPTIONS - 1:
                return chosen
            if other not in chosen and not (strict and any(twin(other, c) for c in chosen)):
                chosen.append(other)
    return chosen
