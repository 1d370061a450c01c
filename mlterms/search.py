"""Ranked full-text search over a glossary: SQLite FTS5 with a porter stemmer, typo-tolerant names.

A library: nothing here prints. `search(glossary, query)` returns `Hit`s, best first.

Ranking, best first, in tiers (the integer part of `Hit.score`; the fraction is bm25 relevance):
  5  the query is a term or alias (as `define` would resolve it: case, separators, plurals)
  4  every query word is in the term or an alias
  3  every query word is somewhere in the entry
  2  some query word is in the term or an alias
  1  some query word is somewhere in the entry
  0  a term or alias looks like the query (a typo; rapidfuzz), only when the tiers above found too few
Within a tier entries are ordered by bm25 with column weights: term 10, aliases 6, definition 1,
see-also 0.5.

Indexes of big glossaries are cached as SQLite files named by a hash of the glossary's content
(so they are never stale) in `$MLTERMS_CACHE` or the user cache dir. A cache that is missing,
corrupt or unwritable costs speed, never results. Small glossaries are indexed in memory.

Query text is only ever data: it is split into words here and each word is passed to FTS5 as a
quoted string, so no query can be an FTS5 syntax error. Glossary text is only ever data too: the
private-use characters that mark matches in highlight() are removed from it before indexing.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlterms.glossary import Entry, Glossary, parse
from mlterms.names import WHAT_IS, key, singulars
from mlterms.names import keys as bulk_keys

SCHEMA = 2  # bump when the index layout or what goes into it changes
TOKENIZER = "porter unicode61 remove_diacritics 2"
COLUMNS = ("term", "aliases", "body", "see")
WEIGHTS = (10.0, 6.0, 1.0, 0.5)  # bm25 weight of each column, in COLUMNS order
SMALL_ENTRIES = 50  # fewer: index in memory (78 entries: 10 ms to build vs 2 ms to open a cached file)
SMALL_BYTES = 16_000  # about the same threshold for raw text (search_text)
KEEP_FILES = 8  # cached index files kept; the least recently used go first
STALE_TEMP_SECONDS = 3600  # a temp file this old is from a build that died
MAX_WORDS = 32  # query words used (a pasted page of text still answers quickly)
MAX_WORD_CHARS = 64  # no word is longer; such a "word" cannot match anything useful
SNIPPET_CHARS = 80
FUZZY_CUTOFF = 70  # rapidfuzz ratio (0-100) of the whole query against a name
FUZZY_WORD_CUTOFF = 80  # ... and of one query word (4+ letters) against a name
ELLIPSIS = "…"

OPEN, CLOSE = "\ue000", "\ue001"  # highlight() markers; never in indexed text
MARKERS = re.compile("[\ue000\ue001]")
MARKED = re.compile("([\ue000\ue001])")
RUNS = re.compile(r"\s+")
WORD = re.compile(r"[^\W_]+")  # letters and digits: what the unicode61 tokenizer keeps

EXACT, NAMES_ALL, ALL, NAMES_ANY, ANY, FUZZY = 5, 4, 3, 2, 1, 0
Row = tuple[str, str, str, str]  # (term, aliases, body, see): the text of COLUMNS


@dataclass
class Hit:
    term: str  # the entry's term
    score: float  # higher is better: tier (see module doc) + bm25 relevance in [0, 1)
    snippet: str  # one line: the matching name/alias line, bullet or see-also, at most ~80 chars
    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in snippet to highlight


# ----------------------------------------------------------------------------- public API


def search(glossary: Glossary, query: str, limit: int = 10) -> list[Hit]:
    """The entries matching `query`, best first; [] when nothing matches. Never raises for any str."""
    rows = rows_of(glossary.entries)
    if len(rows) < SMALL_ENTRIES:
        return _search_memory(rows, query, limit)
    blob = "\x1e".join("\x1f".join(row) for row in rows)  # the content: what the index is made of
    digest = hashlib.sha256(b"entries\0" + blob.encode("utf-8", "surrogatepass")).hexdigest()
    return _search_cached(digest, lambda: rows, query, limit)


def search_text(text: str, query: str, limit: int = 10) -> list[Hit]:
    """Like search(parse(text), ...), but a warm cache answers without parsing the text at all.

    Use it when the glossary comes from a file: `search_text(read_text(path), query)`.
    """
    if len(text) < SMALL_BYTES:
        return search(parse(text), query, limit)
    digest = hashlib.sha256(b"text\0" + text.encode("utf-8", "surrogatepass")).hexdigest()
    return _search_cached(digest, lambda: rows_of(parse(text).entries), query, limit)


# ----------------------------------------------------------------------------- what is indexed


def rows_of(entries: list[Entry]) -> list[Row]:
    """The indexed text of each entry: one bullet a line, so that each line can be a snippet.

    Kept raw (whitespace is tidied only in the few snippets shown) so that a big glossary is cheap;
    only the private-use characters that the index reserves as highlight markers are replaced.
    """
    rows = [(e.term, ", ".join(e.aliases), "\n".join(e.definition), ", ".join(e.see_also)) for e in entries]
    every = "".join("".join(row) for row in rows)
    if OPEN in every or CLOSE in every:
        rows = [tuple(MARKERS.sub("\ufffd", text) for text in row) for row in rows]
    return rows


# ----------------------------------------------------------------------------- index: build and cache


def build(con: sqlite3.Connection, rows: list[Row], meta: str) -> sqlite3.Connection:
    columns = ", ".join(COLUMNS)
    con.executescript(
        f"""
        CREATE VIRTUAL TABLE docs USING fts5({columns}, tokenize='{TOKENIZER}');
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
        """
    )
    # A new table numbers rows 1, 2, ... in order (SQLite: 1 + the largest rowid): rows[n - 1] is rowid n.
    con.executemany(f"INSERT INTO docs ({columns}) VALUES (?, ?, ?, ?)", rows)
    con.execute("INSERT INTO meta VALUES ('key', ?)", (meta,))
    con.execute("INSERT INTO meta VALUES ('names', ?)", (names_text(rows),))
    con.commit()
    return con


def names_text(rows: list[Row]) -> str:
    """The names.key of every name, one line per entry (line n: rowid n), term first, as
    '\\tkey\\tkey\\t': a key is found with one str.find (see named). A key has no tab or newline.

    One string instead of a table of (key, rowid, position): 10,000 entries have ~25,000 names,
    and this is ~4x faster to build than rows in an indexed table, and as fast to look up.
    """
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
    return "\n".join(lines)


def named(text: str, keys: Iterable[str]) -> dict[int, int]:
    """rowid -> position of the first name (0 term, n alias) whose key is one of `keys`."""
    found: dict[int, int] = {}
    for k in keys:
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


def split_aliases(aliases: str) -> list[str]:
    return [a for a in aliases.split(", ") if a] if aliases else []


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


def build_file(path: Path, rows: list[Row], meta: str) -> sqlite3.Connection | None:
    """Build the index into a temp file beside `path`, then move it into place (os.replace: atomic).

    Returns the open index, or None when the cache dir can't be written (the caller then builds
    in memory). Building straight into the file is faster than building in memory and copying.
    """
    temp = path.parent / f".search-{os.getpid()}-{time.time_ns()}.tmp"
    con = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(temp)
        con.execute("PRAGMA journal_mode = OFF")  # a private new file: os.replace gives atomicity
        con.execute("PRAGMA synchronous = OFF")
        build(con, rows, meta)
        os.replace(temp, path)
    except (OSError, sqlite3.Error):
        if con is not None:
            con.close()
        _remove(temp)
        return None
    except BaseException:
        _remove(temp)
        raise
    prune(path.parent)
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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: parsing a big glossary makes ~100,000 objects and no
    cycles, and the collector's passes over them are ~35 ms of a 10,000-entry cold search."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _search_memory(rows: list[Row], query: str, limit: int) -> list[Hit]:
    con = build(sqlite3.connect(":memory:"), rows, "memory")
    try:
        return run(con, query, limit)
    finally:
        con.close()


def _search_cached(digest: str, get_rows: Callable[[], list[Row]], query: str, limit: int) -> list[Hit]:
    path = cache_file(digest)
    try:
        con = open_cached(path, digest)
    except OSError:
        con = None
    if con is not None:
        try:
            return run(con, query, limit)
        except sqlite3.DatabaseError:
            pass  # passed the check but corrupt inside: rebuild it below
        finally:
            con.close()
    meta = meta_key(digest)
    with gc_paused():
        rows = get_rows()
        # An unwritable cache dir: this run searches in memory, the next one tries the file again.
        con = build_file(path, rows, meta) or build(sqlite3.connect(":memory:"), rows, meta)
    try:
        return run(con, query, limit)
    finally:
        con.close()


# ----------------------------------------------------------------------------- query


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
    if "\t" in k or "\n" in k:  # no name's key has them (whitespace is dropped from keys)
        return {}
    return named(names_of(con), [k, *singulars(k)])


def names_of(con: sqlite3.Connection) -> str:
    return con.execute("SELECT v FROM meta WHERE k = 'names'").fetchone()[0]


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
    for rowid, line in enumerate(names_of(con).split("\n"), start=1):
        if rowid not in exclude:
            for pos, k in enumerate(line[1:-1].split("\t")):
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
        snippet, spans = name_line(term, aliases, pos)
        hits.append(Hit(term, round(FUZZY + min(ratio / 100.0, 0.999), 3), snippet, spans))
    return hits


def name_line(term: str, aliases: str, pos: int) -> tuple[str, list[tuple[int, int]]]:
    """The term (pos 0), or the 'aka:' line with alias number pos highlighted, trimmed."""
    if pos == 0:
        return trim(term, [(0, len(term))])
    names = split_aliases(aliases)
    line, spans = "aka: ", []
    for n, name in enumerate(names, start=1):
        if n > 1:
            line += ", "
        if n == pos:
            spans.append((len(line), len(line) + len(name)))
        line += name
    return trim(line, spans)


# ----------------------------------------------------------------------------- snippets


def describe(
    con: sqlite3.Connection, ranked: list[tuple[int, tuple[int, float]]], quoted: list[str], exact: dict
) -> list[Hit]:
    """Hits with snippets: highlight() marks every matched word of the best entries."""
    if not ranked:
        return []
    ids = [rowid for rowid, _ in ranked]
    marks = ",".join("?" * len(ids))
    columns = ", ".join(f"highlight(docs, {i}, '{OPEN}', '{CLOSE}')" for i in range(len(COLUMNS)))
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
        term = MARKERS.sub("", texts[0])
        if rowid in exact and OPEN not in texts[0] + texts[1]:
            snippet, spans = name_line(term, MARKERS.sub("", texts[1]), exact[rowid])
        else:
            snippet, spans = best_unit(texts, names_only=tier in (EXACT, NAMES_ALL, NAMES_ANY))
        hits.append(Hit(term, round(tier + rel, 3), snippet, spans))
    return hits


def units(texts: tuple[str, ...], names_only: bool = False) -> Iterable[str]:
    """The marked lines a snippet can be, in order of preference on a tie."""
    term, aliases, body, see = texts
    yield term
    if aliases:
        yield "aka: " + aliases
    if names_only:
        return
    yield from (line for line in body.split("\n") if line)
    if see:
        yield "see also: " + see


def best_unit(texts: tuple[str, ...], names_only: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """The line with the most distinct matched words (the first such), trimmed around the match.

    Words count as the same when their first 4 letters are ('layer', 'layers'): a rough stem.
    """
    best, best_count = None, 0
    for line in units(texts, names_only):
        if OPEN not in line:
            continue
        plain, spans = unmark(line)
        count = len({plain[a:b].casefold()[:4] for a, b in spans})
        if count > best_count:
            best, best_count = (plain, spans), count
    if best is None:  # matched only by a name key (e.g. 'one-shot' for 'oneshot'): show the term
        plain = MARKERS.sub("", texts[0])
        return trim(plain, [])
    return trim(*best)


def unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Text with highlight markers -> (plain text, [start, end) of each marked run)."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    pos, start = 0, None
    for part in MARKED.split(marked):
        if part == OPEN:
            start = pos
        elif part == CLOSE:
            if start is not None and pos > start:
                spans.append((start, pos))
            start = None
        else:
            plain.append(part)
            pos += len(part)
    return "".join(plain), spans


def squash(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """One line: each run of whitespace (tabs, newlines) becomes one space, the ends are stripped,
    and the spans (which start and end on words) move along."""
    pieces: list[str] = []
    ends: list[int] = []  # where each run of whitespace ended in text ...
    removed: list[int] = []  # ... and how many characters were dropped up to there
    pos = dropped = 0
    for run in RUNS.finditer(text):
        a, b = run.span()
        keep = "" if a == 0 or b == len(text) else " "
        pieces += (text[pos:a], keep)
        dropped += b - a - len(keep)
        ends.append(b)
        removed.append(dropped)
        pos = b
    if not ends:
        return text, list(spans)
    pieces.append(text[pos:])

    def moved(i: int) -> int:
        k = bisect.bisect_right(ends, i)
        return i - (removed[k - 1] if k else 0)

    return "".join(pieces), [(moved(a), moved(b)) for a, b in spans]


def trim(
    text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """One line of at most `width` chars around the first span, cut at spaces, '…' where cut."""
    text, spans = squash(text, spans)
    if len(text) <= width:
        return text, spans
    first, first_end = spans[0] if spans else (0, 0)
    room = width - 2  # the text between two '…'
    start = max(0, first - width // 4)
    if start + room >= len(text):  # near the end: no '…' after
        start, end = len(text) - (width - 1), len(text)
    else:
        end = start + room
        if not text[end].isspace():  # don't end mid-word (unless the word is the match)
            space = text.rfind(" ", max(first_end, start), end)
            end = space if space > start else end
    if start > 0 and not text[start - 1].isspace():  # don't start mid-word
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    shift = len(head) - start
    kept = [(max(a, start) + shift, min(b, end) + shift) for a, b in spans if a < end and b > start]
    return head + text[start:end] + tail, kept
