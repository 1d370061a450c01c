"""Typos: the name words a mistyped query word means, and names that look like a whole query.

Distances are optimal string alignment (Levenshtein with transpositions: 'convolutoin' is one
edit from 'convolution'), allowed relative to the word's length (edits_allowed).
"""

from __future__ import annotations

import sqlite3

from mlterms.names import key
from mlterms.search.hit import Hit
from mlterms.search.index import NameKeys, split_aliases
from mlterms.search.snippet import first_bullet, name_line


def edits_allowed(word: str) -> int:
    """How many edits a typo may be from the word it means: none under 5 letters, 1 up to 7, then 2."""
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def corrections(word: str, vocabulary: list[str]) -> list[str]:
    """The name words closest to `word` within its allowed edits (transpositions count one)."""
    from rapidfuzz.distance import OSA
    from rapidfuzz.process import extract

    limit = edits_allowed(word)
    close = extract(word, vocabulary, scorer=OSA.distance, score_cutoff=limit, limit=8)
    if not close:
        return []
    best = min(d for _, d, _ in close)
    return [w for w, d, _ in close if d == best and w != word][:3]


def fuzzy(con: sqlite3.Connection, keys: NameKeys, query: str, limit: int) -> list[Hit]:
    """Entries whose term or an alias looks like the whole query: the answer when nothing matched."""
    whole = key(query[:1000])[:100]
    allowed = edits_allowed(whole)
    if not allowed:
        return []
    from rapidfuzz.distance import OSA

    best: dict[int, tuple[int, int]] = {}  # rowid -> (edits, name position)
    for rowid, row_keys in keys.lines():
        for pos, k in enumerate(row_keys):
            if k and abs(len(k) - len(whole)) <= allowed:
                d = OSA.distance(whole, k, score_cutoff=allowed)
                if d <= allowed and d < best.get(rowid, (allowed + 1, 0))[0]:
                    best[rowid] = (d, pos)
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))[:limit]
    hits = []
    for rowid, (d, pos) in ranked:
        term, aliases, body = con.execute(
            "SELECT term, aliases, body FROM docs WHERE rowid = ?", (rowid,)
        ).fetchone()
        snippet, spans = first_bullet(body)
        if not snippet:
            snippet, spans = name_line([term, *split_aliases(aliases)], pos)
        hits.append(
            Hit(term, round(1.0 - d / (allowed + 1), 3), snippet, spans, ["alias" if pos else "name"])
        )
    return hits
