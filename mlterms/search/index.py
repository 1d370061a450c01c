"""The search index: an SQLite FTS5 table of entries, built in memory or cached in a file.

Indexes of big glossaries are cached as SQLite files named by their content (a file's length
and checksums, see bytes_digest; a sha256 of rows made in memory), so they are never stale, in
`$MLTERMS_CACHE` or the user cache dir. A cache that is missing, corrupt or unwritable costs
speed, never results: the index is then built again, in the cache
file if it can be written, else in memory. Only the KEEP_FILES most recently used files are kept.

Layout (bump SCHEMA when it or what goes into it changes):
  docs   FTS5 table, one row per entry, rowid n for the n-th entry: the text of COLUMNS.
         detail=column: no token positions, so no phrase or NEAR queries (query.py asks for
         one word at a time) and half the build time of a cold search; highlight() still works
  meta   'key': what the file was built from (schema, tokenizer, content digest)
         'names': the matching keys of every entry's names, as NameKeys
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from mlterms.glossary import Entry
from mlterms.names import keys as bulk_keys
from mlterms.search.snippet import has_markers, scrub

SCHEMA = 6  # bump when the index layout or what goes into it changes
TOKENIZER = "porter unicode61 remove_diacritics 2"
COLUMNS = ("term", "aliases", "body", "see", "builds")
KEEP_FILES = 8  # cached index files kept; the least recently used go first
STALE_TEMP_SECONDS = 3600  # a temp file this old is from a build that died

Row = tuple[str, str, str, str, str]  # (term, aliases, body, see, builds): the text of COLUMNS
T = TypeVar("T")
WORD = re.compile(r"[^\W_]+")  # letters and digits: what the unicode61 tokenizer keeps


# ----------------------------------------------------------------------------- what is indexed


def join_aliases(aliases: list[str]) -> str:
    """The aliases column: the aliases as the glossary lists them, so that 'aka: ' + it reads well.

    split_aliases() takes it apart again (an alias that itself contains ', ' counts as two).
    """
    return ", ".join(aliases)


def split_aliases(aliases: str) -> list[str]:
    return [a for a in aliases.split(", ") if a] if aliases else []


def rows_of(entries: list[Entry]) -> list[Row]:
    """The indexed text of each entry: one bullet a line, so that each line can be a snippet.

    Kept raw (whitespace is tidied only in the few snippets shown) so that a big glossary is cheap;
    only the characters that the index reserves as highlight markers are replaced (snippet.scrub).
    """
    rows = [
        (
            e.term,
            join_aliases(e.aliases),
            "\n".join(e.definition),
            ", ".join(e.see_also),
            ", ".join(e.builds_on),
        )
        for e in entries
    ]
    if has_markers("".join("".join(row) for row in rows)):
        rows = [(scrub(a), scrub(b), scrub(c), scrub(d), scrub(e)) for a, b, c, d, e in rows]
    return rows


def rows_digest(rows: list[Row]) -> str:
    """The content hash that names the cache file of an index built from `rows`.

    The columns are joined with the ASCII unit separator and the rows with the record separator:
    cheap on 10,000 entries, and unambiguous when no text contains those two characters (checked
    by counting them). Text that does contain them is hashed as JSON instead, so that two different
    glossaries can never share an index file.
    """
    import hashlib  # here: a warm search of a file (bytes_digest) never needs OpenSSL

    blob = "\x1e".join("\x1f".join(row) for row in rows)
    if blob.count("\x1f") == (len(COLUMNS) - 1) * len(rows) and blob.count("\x1e") == max(len(rows) - 1, 0):
        return hashlib.sha256(b"entries\0" + blob.encode("utf-8", "surrogatepass")).hexdigest()
    import json

    exact = json.dumps(rows, ensure_ascii=True)  # ASCII: lone surrogates are escaped, not an error
    return hashlib.sha256(b"entries-json\0" + exact.encode("ascii")).hexdigest()


def text_digest(text: str) -> str:
    """The content hash that names the cache file of an index built from the glossary `text`."""
    return bytes_digest(text.encode("utf-8", "surrogatepass"))


def bytes_digest(data: bytes) -> str:
    """text_digest of the text these UTF-8 bytes hold (the same value), without decoding them.

    A fingerprint (the length, CRC-32 and Adler-32), not a cryptographic hash: importing
    hashlib (OpenSSL) costs a warm search 6 ms, a third of its own work. It keeps an index from
    outliving an edit of its file; two different files share one only by a ~2^-64 accident (or by
    design, which takes someone who can write the glossary anyway).
    """
    return f"text-{len(data):x}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}"


class NameKeys:
    """The names.key of every name of every entry, in one string kept in the index's meta table.

    Line n is entry n (rowid n), its term first, then its aliases, as '\\tkey\\tkey\\t': a key is
    found with one str.find of '\\tkey\\t', and its position by counting tabs. A key never has a
    tab or a newline (names.key drops whitespace), so the tabs and newlines are unambiguous.

    One string instead of a table of (key, rowid, position): 10,000 entries have ~25,000 names, and
    it is several times faster to build than an indexed table, and as fast to look up.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def of_rows(cls, rows: list[Row]) -> NameKeys:
        names: list[str] = []
        counts: list[int] = []
        for row in rows:
            aliases = split_aliases(row[1])
            names.append(row[0])
            names += aliases
            counts.append(1 + len(aliases))
        keys = bulk_keys(names)
        lines = []
        at = 0
        for count in counts:
            lines.append("\t" + "\t".join(keys[at : at + count]) + "\t")
            at += count
        return cls("\n".join(lines))

    @classmethod
    def load(cls, con: sqlite3.Connection) -> NameKeys:
        return cls(con.execute("SELECT v FROM meta WHERE k = 'names'").fetchone()[0])

    def find(self, keys: Iterable[str]) -> dict[int, int]:
        """rowid -> position of the first name (0 term, n alias) whose key is one of `keys`.

        Keys that no name can have (empty, or with a tab or newline) find nothing.
        """
        text = self.text
        found: dict[int, int] = {}
        for k in keys:
            if not k or "\t" in k or "\n" in k:
                continue
            needle = f"\t{k}\t"
            line, counted = 1, 0  # newlines are counted once, from the last match on
            at = text.find(needle)
            while at != -1:
                line += text.count("\n", counted, at)
                counted = at
                pos = text.count("\t", text.rfind("\n", 0, at) + 1, at)
                found[line] = min(pos, found.get(line, pos))
                at = text.find(needle, at + len(needle) - 1)
        return dict(sorted(found.items()))

    def lines(self) -> Iterator[tuple[int, list[str]]]:
        """(rowid, [key of the term, keys of the aliases]) for every entry, in rowid order."""
        if not self.text:  # no entries (one entry is at least '\t\t')
            return
        for rowid, line in enumerate(self.text.split("\n"), start=1):
            yield rowid, line[1:-1].split("\t")


def load_words(con: sqlite3.Connection) -> list[str]:
    """Every distinct word of every term and alias, casefolded: what typos are fixed to.

    Read from the table when a typo needs them, not stored: a cold search does not pay for them.
    """
    names = "\n".join(f"{t}\n{a}" for t, a in con.execute("SELECT term, aliases FROM docs"))
    return sorted(set(WORD.findall(names.casefold())))


# ----------------------------------------------------------------------------- building


def build(con: sqlite3.Connection, rows: list[Row], meta: str) -> sqlite3.Connection:
    """The index of `rows` in the empty database `con`, recorded as built from `meta`."""
    create(con)
    insert(con, rows)
    return finish(con, meta, NameKeys.of_rows(rows).text)


def create(con: sqlite3.Connection) -> None:
    """The empty tables of an index in the empty database `con`."""
    con.executescript(
        f"""
        CREATE VIRTUAL TABLE docs USING fts5(
            {", ".join(COLUMNS)}, tokenize='{TOKENIZER}', columnsize=0, detail=column
        );
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
        """
    )


def insert(con: sqlite3.Connection, rows: list[Row]) -> None:
    """Append rows to the docs table. A new table numbers rows 1, 2, ... in order (SQLite: 1 + the
    largest rowid), so after the inserts rows[n - 1] of all of them, in order, is rowid n."""
    marks = ", ".join("?" * len(COLUMNS))
    con.executemany(f"INSERT INTO docs ({', '.join(COLUMNS)}) VALUES ({marks})", rows)


def finish(con: sqlite3.Connection, meta: str, names: str) -> sqlite3.Connection:
    """Record the index as built from `meta`, with the NameKeys text of all its rows, and commit."""
    con.execute("INSERT INTO meta VALUES ('key', ?)", (meta,))
    con.execute("INSERT INTO meta VALUES ('names', ?)", (names,))
    con.commit()
    return con


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: parsing a big glossary makes ~100,000 objects and no
    cycles, and the collector's passes over them are a good part of a cold search."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def in_memory(rows: list[Row], use: Callable[[sqlite3.Connection], T]) -> T:
    """use(an index of rows built in memory): for small glossaries, where a file saves nothing."""
    con = build(sqlite3.connect(":memory:"), rows, "memory")
    try:
        return use(con)
    finally:
        con.close()


Fill = Callable[[Path, str], bool]  # fill(new file, meta): the index built into it; False if it could not


def cached(
    digest: str,
    get_rows: Callable[[], list[Row]],
    use: Callable[[sqlite3.Connection], T],
    fill: Fill | None = None,
) -> T:
    """use(the index of the content named `digest`), from its cache file, else built from get_rows().

    get_rows() is called only when the index must be built, and at most once. `fill`, if given,
    is tried first to build the cache file another way (forked.fill: two processes). When `use`
    meets a damaged index (an sqlite3.DatabaseError), the index is rebuilt and `use` runs again.
    """
    path = cache_file(digest)
    try:
        con = open_cached(path, digest)
    except OSError:
        con = None
    if con is not None:
        try:
            return use(con)
        except sqlite3.DatabaseError:
            pass  # passed the check but corrupt inside: rebuild it below
        finally:
            con.close()
    meta = meta_key(digest)
    rows = functools.cache(get_rows)  # called by build_file, or after it failed, but once
    with gc_paused():
        # An unwritable cache dir: this run searches in memory, the next one tries the file again.
        con = build_file(path, rows, meta, fill) or build(sqlite3.connect(":memory:"), rows(), meta)
    try:
        return use(con)
    finally:
        con.close()


# ----------------------------------------------------------------------------- cache files


def cache_dir() -> Path:
    """$MLTERMS_CACHE, else the user cache dir (e.g. ~/.cache/mlterms)."""
    configured = os.environ.get("MLTERMS_CACHE")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mlterms"))


def cache_file(digest: str) -> Path:
    return cache_dir() / f"search-v{SCHEMA}-{digest[:40]}.sqlite"


def meta_key(digest: str) -> str:
    return f"{SCHEMA}:{TOKENIZER}:{digest}"


def open_cached(path: Path, digest: str) -> sqlite3.Connection | None:
    """The cached index at path if it is there, readable and for this content; else None."""
    if not path.is_file():
        return None
    con = None
    try:
        con = sqlite3.connect(path)
        found = con.execute("SELECT v FROM meta WHERE k = 'key'").fetchone()
        if found and found[0] == meta_key(digest):
            _touch(path)
            return con
    except sqlite3.Error:
        pass  # corrupt, truncated, not a database, locked: rebuild
    if con is not None:
        con.close()
    return None


def build_file(
    path: Path, get_rows: Callable[[], list[Row]], meta: str, fill: Fill | None = None
) -> sqlite3.Connection | None:
    """Build the index into a temp file beside `path`, then move it into place (os.replace: atomic).

    The temp file is filled by `fill` if given and it can, else here from get_rows(). Returns the
    open index, or None when the cache dir can't be written (the caller then builds in memory).
    Building straight into the file is faster than building in memory and copying.
    """
    temp = path.parent / f".search-{os.getpid()}-{time.time_ns()}.tmp"
    con = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fill is None or not fill(temp, meta):
            _remove(temp)  # whatever a fill that failed left
            con = build(new_file(temp), get_rows(), meta)
        os.replace(temp, path)
        if con is None:
            con = sqlite3.connect(path)
    except (OSError, sqlite3.Error):
        if con is not None:
            con.close()
        _remove(temp)
        return None
    except BaseException:
        if con is not None:
            con.close()
        _remove(temp)
        raise
    prune(path.parent)
    return con


def new_file(temp: Path) -> sqlite3.Connection:
    """A connection to a new private database file, to build an index in before it is moved into
    place: no journal and no syncs, since os.replace makes it appear whole or not at all."""
    con = sqlite3.connect(temp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    return con


def prune(directory: Path) -> None:
    """Keep the KEEP_FILES most recently used indexes; remove temp files of builds that died."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    now = time.time()
    indexes: list[tuple[float, Path]] = []
    for name in names:
        path = directory / name
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if name.startswith("search-") and name.endswith(".sqlite"):
            indexes.append((mtime, path))
        elif name.startswith(".search-") and name.endswith(".tmp") and now - mtime > STALE_TEMP_SECONDS:
            _remove(path)
    for _, path in sorted(indexes, reverse=True)[KEEP_FILES:]:
        _remove(path)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
