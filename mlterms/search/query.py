"""Ranking: a query's words, the tiers they are matched in, bm25 within a tier, typos last.

Ranking, best first, in tiers (the integer part of `Hit.score`; the fraction is bm25 relevance):
  5  the query is a term or alias (as `define` would resolve it: case, separators, plurals)
  4  every query word is in the term or an alias
  3  every query word is somewhere in the entry
  2  some query word is in the term or an alias
  1  some query word is somewhere in the entry
  0  a term or alias looks like the query (a typo; rapidfuzz), only when the tiers above found too few
Within a tier entries are ordered by bm25 with column weights: term 10, aliases 6, definition 1,
see-also 0.5.

Query text is only ever data: it is split into words here and each word is passed to FTS5 as a
quoted string, so no query can be an FTS5 syntax error.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from mlterms.names import WHAT_IS, key, singulars
from mlterms.search.index import COLUMNS, NameKeys, split_aliases
from mlterms.search.snippet import (
    MARKERS,
    OPEN,
    Spans,
    best_unit,
    highlight_sql,
    name_line,
    unmarked,
)

WEIGHTS = (10.0, 6.0, 1.0, 0.5)  # bm25 weight of each column, in COLUMNS order
MAX_WORDS = 32  # query words used (a pasted page of text still answers quickly)
MAX_WORD_CHARS = 64  # no word is longer; such a "word" cannot match anything useful
FUZZY_CUTOFF = 70  # rapidfuzz ratio (0-100) of the whole query against a name
FUZZY_WORD_CUTOFF = 80  # ... and of one query word (4+ letters) against a name
WORD = re.compile(r"[^\W_]+")  # letters and digits: what the unicode61 tokenizer keeps

EXACT, NAMES_ALL, ALL, NAMES_ANY, ANY, FUZZY = 5, 4, 3, 2, 1, 0
Ranked = list[tuple[int, tuple[int, float]]]  # (rowid, (tier, relevance)), best first


@dataclass
class Hit:
    term: str  # the entry's term
    score: float  # higher is better: tier (see module doc) + bm25 relevance in [0, 1)
    snippet: str  # one line: the matching name/alias line, bullet or see-also, at most ~80 chars
    spans: Spans = field(default_factory=list)  # [start, end) in snippet to highlight


def words(query: str) -> list[str]:
    """The distinct words of a query, as safe FTS5 strings: '"dropout"', in order, at most MAX_WORDS."""
    query = MARKERS.sub(" ", query[: MAX_WORDS * (MAX_WORD_CHARS + 1) * 4])
    query = WHAT_IS.sub("", query.strip(), count=1)
    seen: dict[str, str] = {}  # casefolded -> as typed: the tokenizer does its own case folding
    for word in WORD.findall(query):
        if len(word) <= MAX_WORD_CHARS:
            seen.setdefault(word.casefold(), word)
            if len(seen) == MAX_WORDS:
                break
    return [f'"{w}"' for w in seen.values()]  # a word has only letters and digits: no quote to escape


def tiers(quoted: list[str]) -> list[tuple[int, str]]:
    """(tier, FTS5 expression) to run in order; duplicates (a one-word query) run once."""
    if not quoted:
        return []
    every, some = " AND ".join(quoted), " OR ".join(quoted)
    exprs = [
        (NAMES_ALL, f"{{term aliases}} : ({every})"),
        (ALL, every),
        (NAMES_ANY, f"{{term aliases}} : ({some})"),
        (ANY, some),
    ]
    done: set[str] = set()
    unique = []
    for tier, expr in exprs:
        if expr not in done:
            done.add(expr)
            unique.append((tier, expr))
    return unique


def relevance(bm25: float) -> float:
    """bm25 (lower is better, <= 0) as a fraction in [0, 1), higher is better."""
    s = max(0.0, -bm25)
    return min(s / (1.0 + s), 0.999)


def run(con: sqlite3.Connection, query: str, limit: int) -> list[Hit]:
    """Search an index: the tiers in order until `limit` hits, then fuzzy names if too few."""
    if limit < 1:
        return []
    quoted = words(query)
    weights = ", ".join(str(w) for w in WEIGHTS)
    found: dict[int, tuple[int, float]] = {}  # rowid -> (tier, relevance), best first

    exact = exact_ids(con, query)
    for rowid in exact:
        found[rowid] = (EXACT, 0.999)
    if exact and quoted:  # their bm25 relevance, where the words match them
        marks = ",".join("?" * len(exact))
        sql = f"SELECT rowid, bm25(docs, {weights}) FROM docs WHERE docs MATCH ? AND rowid IN ({marks})"
        for rowid, bm25 in con.execute(sql, (tiers(quoted)[-1][1], *exact)):
            found[rowid] = (EXACT, relevance(bm25))

    sql = f"SELECT rowid, bm25(docs, {weights}) AS r FROM docs WHERE docs MATCH ? ORDER BY r LIMIT ?"
    for tier, expr in tiers(quoted):
        if len(found) >= limit:
            break
        for rowid, bm25 in con.execute(sql, (expr, limit + len(found))):
            if rowid not in found:
                found[rowid] = (tier, relevance(bm25))

    ranked = sorted(found.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))[:limit]
    hits = describe(con, ranked, quoted, exact)
    if len(hits) < limit:
        hits += fuzzy(con, query, limit - len(hits), exclude=set(found))
    return hits


def exact_ids(con: sqlite3.Connection, query: str) -> dict[int, int]:
    """rowid -> position of the name (0 term, n alias) of entries that the query names exactly."""
    k = key(query[:1000])
    if not k:
        return {}
    return NameKeys.load(con).find([k, *singulars(k)])


def fuzzy(con: sqlite3.Connection, query: str, limit: int, exclude: set[int]) -> list[Hit]:
    """Entries whose term or an alias looks like the query or one of its longer words."""
    whole = key(query[:1000])[:100]
    if not whole:
        return []
    from rapidfuzz import fuzz, process

    probes = {whole: FUZZY_CUTOFF}
    for word in WORD.findall(query[:1000])[:MAX_WORDS]:
        if len(word) >= 4:
            probes.setdefault(key(word), FUZZY_WORD_CUTOFF)
    names: dict[str, list[tuple[int, int]]] = {}
    for rowid, keys in NameKeys.load(con).lines():
        if rowid not in exclude:
            for pos, k in enumerate(keys):
                if k:
                    names.setdefault(k, []).append((rowid, pos))
    best: dict[int, tuple[float, int]] = {}  # rowid -> (ratio, name position)
    for probe, cutoff in probes.items():
        for match, ratio, _ in process.extract(
            probe, list(names), scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 4
        ):
            for rowid, pos in names[match]:
                if ratio > best.get(rowid, (-1.0, 0))[0]:
                    best[rowid] = (ratio, pos)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    hits = []
    for rowid, (ratio, pos) in ranked:
        term, aliases = con.execute("SELECT term, aliases FROM docs WHERE rowid = ?", (rowid,)).fetchone()
        snippet, spans = name_line([term, *split_aliases(aliases)], pos)
        hits.append(Hit(term, round(FUZZY + min(ratio / 100.0, 0.999), 3), snippet, spans))
    return hits


def describe(con: sqlite3.Connection, ranked: Ranked, quoted: list[str], exact: dict[int, int]) -> list[Hit]:
    """Hits with snippets: highlight() marks every matched word of the best entries."""
    if not ranked:
        return []
    ids = [rowid for rowid, _ in ranked]
    marks = ",".join("?" * len(ids))
    columns = ", ".join(highlight_sql(i) for i in range(len(COLUMNS)))
    marked: dict[int, tuple[str, ...]] = {}
    if quoted:
        sql = f"SELECT rowid, {columns} FROM docs WHERE docs MATCH ? AND rowid IN ({marks})"
        for rowid, *texts in con.execute(sql, (" OR ".join(quoted), *ids)):
            marked[rowid] = tuple(texts)
    missing = [rowid for rowid in ids if rowid not in marked]  # exact names the words don't match
    if missing:
        sql = f"SELECT rowid, {', '.join(COLUMNS)} FROM docs WHERE rowid IN ({','.join('?' * len(missing))})"
        for rowid, *texts in con.execute(sql, missing):
            marked[rowid] = tuple(texts)
    hits = []
    for rowid, (tier, rel) in ranked:
        texts = marked[rowid]
        term = unmarked(texts[0])
        if rowid in exact and OPEN not in texts[0] + texts[1]:
            names = [term, *split_aliases(unmarked(texts[1]))]
            snippet, spans = name_line(names, exact[rowid])
        else:
            snippet, spans = best_unit(texts, names_only=tier in (EXACT, NAMES_ALL, NAMES_ANY))
        hits.append(Hit(term, round(tier + rel, 3), snippet, spans))
    return hits
