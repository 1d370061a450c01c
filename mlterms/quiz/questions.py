"""The questions of one quiz: the cards to ask, the masked definitions, the wrong options.

choice: the definition with the term masked; pick the term among 4 options
recall: the term; the user recalls the definition and grades themselves 1-4
typed:  the definition with the term masked; type the term (small typos are forgiven)
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import datetime

from mlterms.glossary import Entry, Glossary
from mlterms.quiz.cards import card_key, quizzable
from mlterms.quiz.distractors import (
    BLANK,
    OPTIONS,
    Links,
    distractors,
    links,
    mask,
    name_pattern,
    shows_in,
    twins,
)
from mlterms.quiz.options import KIND_OF, KINDS, Kind, Mode, QuizOptions
from mlterms.quiz.scheduling import select
from mlterms.quiz.state import Progress

__all__ = ["BLANK", "OPTIONS", "Links", "Question", "links", "make_question", "mask", "name_pattern", "plan"]


# --- questions -------------------------------------------------------------------------------


@dataclass
class Question:
    mode: Kind
    entry: Entry
    clue: list[str] = field(default_factory=list)  # the definition, masked (choice and typed)
    options: list[Entry] = field(default_factory=list)  # choice only, the answer among them
    relearn: bool = False  # asked again in the same sitting after a miss

    @property
    def key(self) -> str:
        return card_key(self.entry)

    @property
    def term(self) -> str:
        return self.entry.term

    @property
    def label(self) -> str:
        return self.entry.term

    @property
    def answer(self) -> int:
        """Index of the right option."""
        return self.options.index(self.entry)

    def again(self) -> Question:
        """The same card asked again after a miss, its options in another order."""
        options = list(self.options)
        random.Random(f"{self.key}:{len(options)}").shuffle(options)
        return dataclasses.replace(self, options=options, relearn=True)


def make_question(entry: Entry, mode: Kind, pool: list[Entry], linked: Links, rng: random.Random) -> Question:
    """One question on `entry`; `pool` is every card of the glossary, where wrong options come from.
    A choice question that has nothing to choose from (a one-term glossary) is asked typed."""
    if mode == "recall":
        return Question("recall", entry)
    hidden = [*entry.names, *(name for other in twins(entry, pool) for name in other.names)]
    clue = [mask(bullet, hidden) for bullet in entry.definition]
    if mode == "typed":
        return Question("typed", entry, clue)
    wrong = distractors(entry, pool, linked, rng, clue)
    if not wrong:
        return Question("typed", entry, clue)
    shown = [name for other in wrong if shows_in(other, clue) for name in other.names]
    if shown:  # too few fair options: mask the names that would give them away
        clue = [mask(bullet, shown) for bullet in clue]
    options = [entry, *wrong]
    rng.shuffle(options)
    return Question("choice", entry, clue, options)


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
    (`options.terms`, resolved into `pool`) are asked now, due or not. With nothing due, a card
    due within LEARN_AHEAD is asked early. Wrong options come from the whole glossary. New cards
    come in prerequisite order (see scheduling.select)."""
    entries = select(
        pool,
        progress,
        key=card_key,
        count=options.count,
        new=options.new,
        now=now,
        rng=rng,
        everything=options.everything or bool(options.terms),
        prerequisites=prerequisite_map(glossary),
    )
    mode = options.mode
    everyone = quizzable(glossary)
    linked = links(glossary) if mode in (Mode.choice, Mode.mixed) else {}
    return [make_question(e, kind(mode, rng), everyone, linked, rng) for e in entries]


def downgraded(questions: list[Question], mode: Mode) -> Kind | None:
    """The kind asked instead of the mode's own, if some question could not be of that kind."""
    wanted = KIND_OF.get(mode)
    changed = {q.mode for q in questions if wanted is not None and q.mode != wanted}
    return changed.pop() if changed else None


def prerequisite_map(glossary: Glossary) -> dict[str, list[str]]:
    """term -> the terms it builds on, resolved (see mlterms.links)."""
    from mlterms.links import of

    return of(glossary).builds_on


def kind(mode: Mode, rng: random.Random) -> Kind:
    """The kind of the next question: the mode's, or a random one when mixed."""
    fixed = KIND_OF.get(mode)
    return fixed if fixed is not None else rng.choice(KINDS)
