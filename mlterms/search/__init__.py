"""Ranked full-text search over a glossary: SQLite FTS5 with a porter stemmer, typo-tolerant names.

A library: nothing here prints. `search(glossary, query)` returns `Hit`s, best first.

  query.py    the query's words, the ranking tiers, bm25 and typos (the tiers are listed there)
  index.py    the FTS5 table, its cache files and their pruning
  snippet.py  the line shown under a hit, and the highlight markers

Glossaries with few entries are indexed in memory; bigger ones are cached in a file named by a
hash of their content. Glossary text and query text are only ever data.
"""

from __future__ import annotations

from pathlib import Path

from mlterms.glossary import Glossary, decode, parse, read_bytes
from mlterms.search import index
from mlterms.search.hit import Hit
from mlterms.search.query import run

__all__ = ["Hit", "search", "search_file", "search_text"]

SMALL_ENTRIES = 50  # fewer: index in memory (building one is cheaper than opening a cached file)
SMALL_BYTES = 16_000  # about the same threshold for raw text (search_text)


def search(glossary: Glossary, query: str, limit: int = 10) -> list[Hit]:
    """The entries matching `query`, best first; [] when nothing matches. Never raises for any str."""
    rows = index.rows_of(glossary.entries)
    if len(rows) < SMALL_ENTRIES:
        return index.in_memory(rows, lambda con: run(con, query, limit))
    return index.cached(index.rows_digest(rows), lambda: rows, lambda con: run(con, query, limit))


def search_text(text: str, query: str, limit: int = 10) -> list[Hit]:
    """Like search(parse(text), ...), but a warm cache answers without parsing the text at all.

    Use it when the glossary comes from a file: `search_text(read_text(path), query)`.
    """
    if len(text) < SMALL_BYTES:
        return search(parse(text), query, limit)

    def rows() -> list[index.Row]:
        return index.rows_of(parse(text).entries)

    return index.cached(index.text_digest(text), rows, lambda con: run(con, query, limit))


def search_file(path: str | Path, query: str, limit: int = 10) -> list[Hit]:
    """search_text(read_text(path), ...), but a warm cache answers from the file's bytes alone:
    it is named by their hash, and only bytes that decoded as a glossary were ever indexed.

    Raises GlossaryError for a file that can't be read (or, when it must be parsed, decoded).
    """
    data = read_bytes(path)
    if len(data) < SMALL_BYTES:
        return search(parse(decode(path, data), path), query, limit)

    def rows() -> list[index.Row]:
        return index.rows_of(parse(decode(path, data), path).entries)

    return index.cached(index.bytes_digest(data), rows, lambda con: run(con, query, limit))
