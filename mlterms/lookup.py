"""Forgiving term lookup: case, articles, 'what is', '?', separators, plurals, aliases, typos."""

from __future__ import annotations

from mlterms.glossary import Entry, Glossary
from mlterms.names import key, singulars


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
