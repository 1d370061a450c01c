"""Ranked full-text search over a glossary: SQLite FTS5 with a porter stemmer, typo-tolerant names.

A library: nothing here prints. `search(glossary, query)` returns `Hit`s, best first.

  query.py    the query's words, the ranking tiers, bm25 and typos (the tiers are listed there)
  index.py    the FTS5 table, its cache files and their pruning
  snippet.py  the line shown under a hit, and the highlight markers

Glossaries with few entries are indexed in memory; bigger ones are cached in a file named by
their content (index.py). Glossary text and query text are only ever data.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from mlterms.glossary import Glossary, decode, parse, read_bytes
from mlterms.search import index
from mlterms.search.hit import Hit
from mlterms.search.query import run

__all__ = ["Hit", "search", "search_file", "search_layers", "search_text"]

SMALL_ENTRIES = 50  # fewer: index in memory (building one is cheaper than opening a cached file)
SMALL_BYTES = 16_000  # about the same threshold for raw text (search_text)
T = TypeVar("T")


def search(glossary: Glossary, query: str, limit: int = 10) -> list[Hit]:
    """The entries matching `query`, best first; [] when nothing matches. Never raises for any str."""
    return with_rows(index.rows_of(glossary.entries), lambda con: run(con, query, limit))


def search_text(text: str, query: str, limit: int = 10) -> list[Hit]:
    """Like search(parse(text), ...), but a warm cache answers without parsing the text at all.

    Use it when the glossary comes from a file: `search_text(read_text(path), query)`.
    """
    return with_text(text, lambda con: run(con, query, limit))


def with_rows(rows: list[index.Row], use: Callable[[sqlite3.Connection], T]) -> T:
    """use(the index of these rows): built in memory when there are few, else from its cache file."""
    if len(rows) < SMALL_ENTRIES:
        return index.in_memory(rows, use)
    return index.cached(index.rows_digest(rows), lambda: rows, use)


def with_text(text: str, use: Callable[[sqlite3.Connection], T]) -> T:
    """use(the index of the glossary text), cached on the text itself when it is big."""
    return with_source(len(text), lambda: text, lambda: index.text_digest(text), use)


def search_file(path: str | Path, query: str, limit: int = 10) -> list[Hit]:
    """search_text(read_text(path), ...), but a warm cache answers from the file's bytes alone."""
    return with_file(path, lambda con: run(con, query, limit))


def with_file(path: str | Path, use: Callable[[sqlite3.Connection], T]) -> T:
    """with_text(read_text(path), use), but a warm cache answers from the file's bytes alone: it
    is named by them (index.bytes_digest), and only bytes that decoded as a glossary were indexed.

    Raises GlossaryError for a file that can't be read (or, when it must be parsed, decoded).
    """
    data = read_bytes(path)
    return with_source(len(data), lambda: decode(path, data), lambda: index.bytes_digest(data), use)


def with_source(
    size: int,
    text_of: Callable[[], str],
    digest_of: Callable[[], str],
    use: Callable[[sqlite3.Connection], T],
) -> T:
    """with_text and with_file: a small glossary goes to with_rows; a big one's index is cached on
    digest_of(), and text_of() is parsed only when that index must be built."""

    text = functools.cache(text_of)  # the forked build and the rows may both need it

    def rows() -> list[index.Row]:
        return index.rows_of(parse(text()).entries)

    def fill(temp: Path, meta: str) -> bool:
        from mlterms.search import forked  # only to build an index: a warm search never needs it

        return forked.fill(temp, text(), meta)

    if size < SMALL_BYTES:
        return with_rows(rows(), use)
    return index.cached(digest_of(), rows, use, fill)


def search_layers(paths: Sequence[str | Path], query: str, limit: int = 10) -> list[Hit]:
    """search_file over layered glossaries (layers.py), the top layer's file first.

    Each layer is indexed on its own, cached on its own content, so that adding to the personal
    file re-indexes only that file. The query runs in each layer; a layer's hits on entries that
    a higher layer shadows (one of their names is a name of a visible entry above) are dropped,
    and the rest are merged by score, the higher layer first on a tie.
    """
    if len(paths) == 1:
        return search_file(paths[0], query, limit)
    claimed: set[str] = set()  # names.key of every name of a visible entry of a higher layer
    found: list[tuple[float, int, int, Hit]] = []
    for n, path in enumerate(paths):
        last = n == len(paths) - 1

        def use(con: sqlite3.Connection, last: bool = last) -> list[Hit]:
            names = index.NameKeys.load(con)
            hidden = set(names.find(claimed))  # rowids of the shadowed entries
            hits = run(con, query, limit + len(hidden))
            if hidden:
                marks = ",".join("?" * len(hidden))
                terms = {
                    t for (t,) in con.execute(f"SELECT term FROM docs WHERE rowid IN ({marks})", [*hidden])
                }
                hits = [hit for hit in hits if hit.term not in terms]
            if not last:
                claimed.update(k for rowid, keys in names.lines() if rowid not in hidden for k in keys)
            return hits

        found += [(-hit.score, n, rank, hit) for rank, hit in enumerate(with_file(path, use))]
    return [hit for *_, hit in sorted(found, key=lambda f: f[:3])[:limit]]
