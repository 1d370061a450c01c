"""Forgiving term lookup: case, articles, 'what is', '?', separators, plurals, aliases, typos."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlterms.glossary import WHAT_IS, Entry, Glossary

SEPARATORS = re.compile(r"[\s\-_]+")


def key(text: str) -> str:
    """The matching key of a term or query: 'What is a One-Shot_Learning?' -> 'oneshotlearning'."""
    if not text.isascii():  # full-width letters, ligatures, ...
        import unicodedata

        text = unicodedata.normalize("NFKC", text)
    text = text.strip().rstrip("?!. \t").strip()
    text = WHAT_IS.sub("", text, count=1)
    return SEPARATORS.sub("", text.casefold())


def singulars(k: str) -> Iterator[str]:
    """Candidate singular forms of a key, most literal first: 'batches' -> 'batche', 'batch'."""
    if k.endswith("ies") and len(k) > 4:
        yield k[:-3] + "y"
    if k.endswith("es") and len(k) > 3:
        yield k[:-2]
    if k.endswith("s") and not k.endswith("ss") and len(k) > 2:
        yield k[:-1]


def resolve(glossary: Glossary, query: str) -> Entry | None:
    """The entry a query names, or None. With duplicate headings the first one wins."""
    k = key(query)
    if not k:
        return None
    for candidate in (k, *singulars(k)):
        if candidate in glossary.index:
            return glossary.index[candidate][0]
    return None


def resolve_words(glossary: Glossary, words: list[str]) -> list[Entry | str]:
    """Split unquoted words into terms, longest match first.

    ['batch', 'normalization', 'dropuot'] -> [<batch normalization>, 'dropuot'];
    a word that starts no term is returned as a string (a miss).
    """
    found: list[Entry | str] = []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            entry = resolve(glossary, " ".join(words[i:j]))
            if entry:
                found.append(entry)
                i = j
                break
        else:
            found.append(words[i])
            i += 1
    return found


def suggest(glossary: Glossary, query: str, limit: int = 3, cutoff: float = 70) -> list[str]:
    """Up to `limit` term names that look like the query (typos, near spellings), best first."""
    from rapidfuzz import fuzz, process

    k = key(query)
    if not k:
        return []
    names = {key(name): entry.term for entry in glossary.entries for name in entry.names}
    matches = process.extract(k, list(names), scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 3)
    terms: list[str] = []
    for match, _score, _ in matches:
        if names[match] not in terms:
            terms.append(names[match])
    return terms[:limit]
