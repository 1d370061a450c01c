"""Flashcards from the glossary: pick the cards, make the questions, grade the answers.

A library: nothing here prints or reads input. The command asks, this module decides.

    pool = quizzable(glossary)
    questions = plan(glossary, progress, pool, mode="mixed", count=10, new=10, now=now, rng=rng)
    session = Session(glossary, progress)
    session.choose(questions[0], 2, now)      # or .typed(...) / .recall(...)

Three kinds of question:
- choice: the definition with the term masked; pick the term among 4 options
- recall: the term; the user recalls the definition and grades themselves 1-4
- typed: the definition with the term masked; type the term (small typos are forgiven)
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import resolve
from mlterms.names import key, singulars
from mlterms.progress import Progress, Record

MODES = ("choice", "recall", "typed")
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATINGS = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}
GRADES = {"1": AGAIN, "2": HARD, "3": GOOD, "4": EASY} | {
    word: n for n, name in RATINGS.items() for word in (name, name[0])
}
BLANK = "_____"
OPTIONS = 4
STOP_WORDS = {"a", "an", "the", "of", "and", "or", "in", "on", "to", "for", "with", "by"}


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


# --- masking ---------------------------------------------------------------------------------


def name_pattern(name: str) -> str:
    """A regex for a name and its word forms: 'batch norm' also matches 'Batch-Norms', 'batchnorm'."""
    words = [w for w in re.split(r"[\s\-_]+", name.strip()) if w]
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


def links(glossary: Glossary) -> dict[str, set[str]]:
    """See-also links in both directions, between card keys."""
    linked: dict[str, set[str]] = {}
    for entry in glossary.entries:
        for name in entry.see_also:
            other = resolve(glossary, name)
            if other:
                a, b = card_key(entry), card_key(other)
                linked.setdefault(a, set()).add(b)
                linked.setdefault(b, set()).add(a)
    return linked


def distractors(
    entry: Entry, pool: list[Entry], linked: dict[str, set[str]], rng: random.Random
) -> list[Entry]:
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
    mode: str  # choice, recall or typed
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


def make_question(entry: Entry, mode: str, pool: list[Entry], linked: dict, rng: random.Random) -> Question:
    if mode == "recall":
        return Question("recall", entry)
    clue = [mask(bullet, entry.names) for bullet in entry.definition]
    wrong = distractors(entry, pool, linked, rng) if mode == "choice" else []
    if mode == "choice" and not wrong:  # a one-term glossary: nothing to choose from
        mode = "typed"
    options = [entry, *wrong]
    rng.shuffle(options)
    return Question(mode, entry, clue, options if mode == "choice" else [])


def select(
    pool: list[Entry],
    progress: Progress,
    *,
    count: int,
    new: int,
    now: datetime,
    rng: random.Random,
    everything: bool = False,
) -> list[Entry]:
    """The cards to ask: due ones first (most overdue first), then at most `new` unseen ones."""
    if everything:
        chosen = list(pool)
        rng.shuffle(chosen)
        return chosen[:count]
    records = {card_key(e): progress.get(card_key(e)) for e in pool}
    due = [e for e in pool if records[card_key(e)] and records[card_key(e)].due <= now]
    due.sort(key=lambda e: records[card_key(e)].due)
    fresh = [e for e in pool if records[card_key(e)] is None]
    rng.shuffle(fresh)
    return (due + fresh[:new])[:count]


def plan(
    glossary: Glossary,
    progress: Progress,
    pool: list[Entry],
    *,
    mode: str = "mixed",
    count: int = 10,
    new: int = 10,
    now: datetime,
    rng: random.Random,
    everything: bool = False,
) -> list[Question]:
    """The questions of one quiz, in order. Same seed, same state, same questions."""
    entries = select(pool, progress, count=count, new=new, now=now, rng=rng, everything=everything)
    linked = links(glossary) if mode in ("choice", "mixed") else {}
    return [
        make_question(e, mode if mode in MODES else rng.choice(MODES), pool, linked, rng) for e in entries
    ]


# --- grading ---------------------------------------------------------------------------------


def allowed_edits(name_key: str) -> int:
    """Typos forgiven in a name: none in short ones, 1 up to 7 letters, 2 in longer ones."""
    return 0 if len(name_key) < 4 else 1 if len(name_key) < 8 else 2


def names_match(entry: Entry, k: str) -> bool:
    """Is the key one of the entry's names (or a plural of one)?"""
    names = {key(n) for n in entry.names}
    return k in names or any(s in names for s in singulars(k))


def edits(entry: Entry, k: str) -> int | None:
    """Fewest typos (transpositions count once) between the key and a name, if few enough to forgive."""
    from rapidfuzz.distance import OSA

    best = None
    for name in {key(n) for n in entry.names}:
        for form in (k, *singulars(k)):
            d = OSA.distance(form, name)
            if d <= allowed_edits(name) and (best is None or d < best):
                best = d
    return best


def closest_rival(glossary: Glossary, entry: Entry, k: str) -> int | None:
    """The fewest typos between the key and any other term; None if no other term is close."""
    found = [edits(e, k) for e in glossary.entries if card_key(e) != card_key(entry)]
    return min((d for d in found if d is not None), default=None)


@dataclass
class Verdict:
    correct: bool
    typo: bool = False  # accepted despite a small typo


def check_typed(glossary: Glossary, entry: Entry, text: str) -> Verdict:
    """Right if the text names the entry, forgiving case, articles, hyphens, plurals and small typos."""
    k = key(text)
    if not k:
        return Verdict(False)
    if names_match(entry, k):
        return Verdict(True)
    other = resolve(glossary, text)
    if other is not None and card_key(other) != card_key(entry):
        return Verdict(False)  # another term, typed exactly
    mine = edits(entry, k)
    if mine is None:
        return Verdict(False)
    rival = closest_rival(glossary, entry, k)
    return Verdict(True, typo=True) if rival is None or mine < rival else Verdict(False)


def pick_option(question: Question, text: str) -> int | None:
    """The option an answer names: a number 1-4 or a term (typos forgiven); None if unclear."""
    text = text.strip()
    if text.isdecimal():
        n = int(text)
        return n - 1 if 1 <= n <= len(question.options) else None
    k = key(text)
    if not k:
        return None
    for i, option in enumerate(question.options):
        if names_match(option, k):
            return i
    near = [i for i, option in enumerate(question.options) if edits(option, k) is not None]
    return near[0] if len(near) == 1 else None


def parse_grade(text: str) -> int | None:
    """1-4 or again/hard/good/easy (or a/h/g/e) to a rating; None if it is neither."""
    return GRADES.get(text.strip().casefold())


# --- a session -------------------------------------------------------------------------------


@dataclass
class Result:
    question: Question
    answer: str
    correct: bool
    rating: int
    due: datetime
    typo: bool = False

    @property
    def term(self) -> str:
        return self.question.entry.term

    def as_dict(self) -> dict:
        return {
            "term": self.term,
            "mode": self.question.mode,
            "answer": self.answer,
            "correct": self.correct,
            "rating": RATINGS[self.rating],
            "due": self.due.isoformat(timespec="seconds"),
        }


class Session:
    """One sitting: grades answers, saves each card at once, and keeps the results."""

    def __init__(self, glossary: Glossary, progress: Progress):
        self.glossary = glossary
        self.progress = progress
        self.results: list[Result] = []

    def choose(self, question: Question, option: int, now: datetime) -> Result:
        """A choice answer: the index of the picked option."""
        right = option == question.answer
        return self.record(question, question.options[option].term, right, GOOD if right else AGAIN, now)

    def typed(self, question: Question, text: str, now: datetime) -> Result:
        """A typed answer; an empty one means 'I don't know'."""
        verdict = check_typed(self.glossary, question.entry, text)
        rating = GOOD if verdict.correct else AGAIN
        return self.record(question, text.strip(), verdict.correct, rating, now, verdict.typo)

    def recall(self, question: Question, text: str, grade: int, now: datetime) -> Result:
        """A recall answer: what the user wrote (maybe nothing) and their own grade 1-4."""
        return self.record(question, text.strip(), grade != AGAIN, grade, now)

    def record(
        self, question: Question, answer: str, correct: bool, rating: int, now: datetime, typo: bool = False
    ) -> Result:
        card = self.progress.review(question.key, question.entry.term, rating, now)
        result = Result(question, answer, correct, rating, card.due, typo)
        self.results.append(result)
        return result

    @property
    def asked(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    def to_review(self) -> list[Result]:
        """The terms missed in this sitting, soonest due first."""
        return sorted((r for r in self.results if not r.correct), key=lambda r: r.due)

    def as_dict(self) -> dict:
        return {"asked": self.asked, "correct": self.correct, "results": [r.as_dict() for r in self.results]}


# --- statistics ------------------------------------------------------------------------------


def hardest(pool_records: dict[str, tuple[Entry, Record]], limit: int = 5) -> list[dict]:
    """Cards ever answered 'again' or 'hard', most lapses first, then highest FSRS difficulty."""
    struggled = [(e, r) for e, r in pool_records.values() if any(rating <= HARD for _, rating in r.log)]
    struggled.sort(key=lambda er: (-er[1].lapses, -(er[1].card.difficulty or 0)))
    return [
        {
            "term": e.term,
            "lapses": r.lapses,
            "reviews": r.reviews,
            "difficulty": round(r.card.difficulty or 0, 2),
            "due": r.due.isoformat(timespec="seconds"),
        }
        for e, r in struggled[:limit]
    ]


def stats(glossary: Glossary, progress: Progress, now: datetime) -> dict:
    """Cards, seen, due now / within 7 days, retention (share of answers not 'again'), hardest terms."""
    pool = quizzable(glossary)
    seen = {card_key(e): (e, progress.get(card_key(e))) for e in pool if progress.get(card_key(e))}
    records = [r for _, r in seen.values()]
    ratings = [rating for r in records for _, rating in r.log]
    upcoming = [r.due for r in records if r.due > now]
    return {
        "cards": len(pool),
        "seen": len(seen),
        "new": len(pool) - len(seen),
        "due_now": sum(r.due <= now for r in records),
        "due_7d": sum(r.due <= now + timedelta(days=7) for r in records),
        "reviews": len(ratings),
        "retention": round(sum(x != AGAIN for x in ratings) / len(ratings), 3) if ratings else None,
        "next_due": min(upcoming).isoformat(timespec="seconds") if upcoming else None,
        "hardest": hardest(seen),
        "orphans": len(set(progress.cards) - set(seen)),
        "path": str(progress.path),
    }
