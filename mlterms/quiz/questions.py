"""The questions of one quiz: the cards to ask, the masked definitions, the wrong options.

choice: the definition with the term masked; pick the term among 4 options
recall: the term; the user recalls the definition and grades themselves 1-4
typed:  the definition with the term masked; type the term (small typos are forgiven)
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field
from datetime import datetime

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import resolve
from mlterms.names import SEPARATORS, key
from mlterms.quiz.cards import card_key
from mlterms.quiz.options import KIND_OF, KINDS, Kind, Mode, QuizOptions
from mlterms.quiz.scheduling import select
from mlterms.quiz.state import Progress

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


def mask(text: str, names: list[str]) -> str:
    """The text with every form of every name replaced by _____."""
    patterns = [p for p in map(name_pattern, sorted(names, key=len, reverse=True)) if p]
    if not patterns:
        return text
    return re.sub("|".join(patterns), BLANK, text, flags=re.IGNORECASE)


# --- distractors -----------------------------------------------------------------------------


def name_words(entry: Entry) -> set[str]:
    """The content words of an entry's names, singular: {'batch', 'normalization'}."""
    words = {w for name in entry.names for w in re.split(r"\W+", name.casefold()) if w}
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words - STOP_WORDS}


def similarity(a: Entry, b: Entry) -> int:
    """How alike two names look: shared words, plus one for a shared start ('convolution(al)')."""
    prefix = os.path.commonprefix([card_key(a), card_key(b)])
    return len(name_words(a) & name_words(b)) + (len(prefix) >= 5)


def links(glossary: Glossary) -> Links:
    """See-also links in both directions, between card keys."""
    linked: Links = {}
    for entry in glossary.entries:
        for name in entry.see_also:
            other = resolve(glossary, name)
            if other:
                a, b = card_key(entry), card_key(other)
                linked.setdefault(a, set()).add(b)
                linked.setdefault(b, set()).add(a)
    return linked


def distractors(entry: Entry, pool: list[Entry], linked: Links, rng: random.Random) -> list[Entry]:
    """Three wrong options, most plausible first: see-also links, then look-alike names, then any."""
    answer = {key(n) for n in entry.names}
    others = [e for e in pool if not answer & {key(n) for n in e.names}]
    rng.shuffle(others)
    near = linked.get(card_key(entry), set())
    others.sort(key=lambda e: (card_key(e) not in near, -similarity(entry, e)))
    chosen: dict[str, Entry] = {}
    for other in others:
        chosen.setdefault(card_key(other), other)
        if len(chosen) == OPTIONS - 1:
            break
    return list(chosen.values())


# --- questions -------------------------------------------------------------------------------


@dataclass
class Question:
    mode: Kind
    entry: Entry
    clue: list[str] = field(default_factory=list)  # the definition, masked (choice and typed)
    options: list[Entry] = field(default_factory=list)  # choice only, the answer among them

    @property
    def key(self) -> str:
        return card_key(self.entry)

    @property
    def answer(self) -> int:
        """Index of the right option."""
        return self.options.index(self.entry)


def make_question(entry: Entry, mode: Kind, pool: list[Entry], linked: Links, rng: random.Random) -> Question:
    if mode == "recall":
        return Question("recall", entry)
    clue = [mask(bullet, entry.names) for bullet in entry.definition]
    wrong = distractors(entry, pool, linked, rng) if mode == "choice" else []
    if mode == "choice" and not wrong:  # a one-term glossary: nothing to choose from
        mode = "typed"
    options = [entry, *wrong]
    rng.shuffle(options)
    return Question(mode, entry, clue, options if mode == "choice" else [])


def plan(
    glossary: Glossary,
    progress: Progress,
    pool: list[Entry],
    options: QuizOptions,
    *,
    now: datetime,
    rng: random.Random,
) -> list[Question]:
    """The questions of one quiz, in order. Same seed, same state, same questions. Named terms
    (`options.terms`, resolved into `pool`) are asked now, due or not."""
    entries = select(
        pool,
        progress,
        count=options.count,
        new=options.new,
        now=now,
        rng=rng,
        everything=options.everything or bool(options.terms),
        prerequisites=prerequisite_map(glossary),
    )
    mode = options.mode
    linked = links(glossary) if mode in (Mode.choice, Mode.mixed) else {}
    return [make_question(e, kind(mode, rng), pool, linked, rng) for e in entries]


def prerequisite_map(glossary: Glossary) -> dict[str, list[str]]:
    """term -> the terms it builds on, resolved (see mlterms.links)."""
    from mlterms.links import of

    return of(glossary).builds_on


def kind(mode: Mode, rng: random.Random) -> Kind:
    """The kind of the next question: the mode's, or a random one when mixed."""
    fixed = KIND_OF.get(mode)
    return fixed if fixed is not None else rng.choice(KINDS)
