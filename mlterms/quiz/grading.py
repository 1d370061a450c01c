"""Is an answer right? Typed names (forgiving case, articles, plurals and small typos), picked
options (by number or by name) and self-grades (1-4 or again/hard/good/easy)."""

from __future__ import annotations

from dataclasses import dataclass

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import resolve
from mlterms.names import key, singulars
from mlterms.quiz.cards import RATINGS, card_key
from mlterms.quiz.questions import Question

DONT_KNOW = -1  # a choice answered with Enter or '?'
GRADES = {str(n): n for n in RATINGS} | {word: n for n, name in RATINGS.items() for word in (name, name[0])}


@dataclass
class Verdict:
    correct: bool
    typo: bool = False  # accepted despite a small typo


def allowed_edits(name_key: str) -> int:
    """Typos forgiven in a name: none in short ones, 1 up to 7 letters, 2 in longer ones."""
    return 0 if len(name_key) < 4 else 1 if len(name_key) < 8 else 2


def names_match(entry: Entry, k: str) -> bool:
    """Is the key one of the entry's names (or a plural of one)?"""
    names = {key(n) for n in entry.names}
    return k in names or any(s in names for s in singulars(k))


def edits(entry: Entry, k: str) -> int | None:
    """Fewest typos (transpositions count once) between the key and a name, if few enough to forgive."""
    from rapidfuzz.distance import OSA  # slow to import; only typed answers and named options need it

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
    """The option an answer names: a number 1-4 or a term (typos forgiven); DONT_KNOW for Enter
    or '?'; None if unclear."""
    text = text.strip()
    if text in ("", "?"):
        return DONT_KNOW
    if text.isdecimal():
        n = int(text) if len(text) < 10 else 0  # int() of 4300+ digits raises
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
