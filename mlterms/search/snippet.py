"""Snippets: the one line of an entry shown under a hit, with the matched words as spans.

FTS5's highlight() wraps every matched word of a column in two markers. This module owns those
markers: the SQL that asks for them, their removal from indexed text, and turning marked text into
(plain text, spans). A snippet is one line of at most SNIPPET_CHARS characters, cut at spaces.
"""

from __future__ import annotations

import bisect
import re

SNIPPET_CHARS = 80
ELLIPSIS = "…"

Spans = list[tuple[int, int]]  # [start, end) of each highlighted run, in order

# The highlight markers: two private-use characters (U+E000, U+E001), so that no glossary text or
# query can contain them once scrub() has run. A marker that could occur in the text would turn
# ordinary text into a false highlight, or split a snippet in the wrong place.
OPEN, CLOSE = "\ue000", "\ue001"
MARKERS = re.compile("[\ue000\ue001]")
MARKED = re.compile("([\ue000\ue001])")
RUNS = re.compile(r"\s+")


def highlight_sql(column: int) -> str:
    """The SQL that returns column number `column` of `docs` with each matched word marked."""
    return f"highlight(docs, {column}, '{OPEN}', '{CLOSE}')"


def has_markers(text: str) -> bool:
    return OPEN in text or CLOSE in text


def scrub(text: str) -> str:
    """Text to index, with any marker character replaced by U+FFFD.

    A glossary may contain U+E000/U+E001 (they are valid text); left in, they would read as
    highlights in every snippet of that line.
    """
    return MARKERS.sub("\ufffd", text)


def unmarked(text: str) -> str:
    """Marked text with the markers dropped."""
    return MARKERS.sub("", text)


def unmark(marked: str) -> tuple[str, Spans]:
    """Text with highlight markers -> (plain text, [start, end) of each marked run)."""
    plain: list[str] = []
    spans: Spans = []
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


# ----------------------------------------------------------------------------- choosing the line


def name_line(names: list[str], pos: int) -> tuple[str, Spans]:
    """The term (pos 0), or the 'aka:' line with alias number pos highlighted, trimmed.

    `names` is the term, then the aliases.
    """
    if pos == 0:
        return trim(names[0], [(0, len(names[0]))])
    line, spans = "aka: ", []
    for n, name in enumerate(names[1:], start=1):
        if n > 1:
            line += ", "
        if n == pos:
            spans.append((len(line), len(line) + len(name)))
        line += name
    return trim(line, spans)


def first_bullet(marked_body: str) -> tuple[str, Spans]:
    """The first definition bullet (a body has a bullet a line), with its marked words; ('', []) if none."""
    for line in marked_body.split("\n"):
        if line.strip():
            return trim(*unmark(line))
    return "", []


def pick_bullet(marked_body: str) -> tuple[str, Spans]:
    """The bullet with the most distinct matched words (the first such), trimmed around the match;
    the first bullet when none matched. Never a name, `aka:`, `see also:` or `source:` line.

    Words count as the same when their first 4 letters are ('layer', 'layers'): a rough stem.
    """
    best, best_count = None, 0
    for line in marked_body.split("\n"):
        if OPEN not in line:
            continue
        plain, spans = unmark(line)
        count = len({plain[a:b].casefold()[:4] for a, b in spans})
        if count > best_count:
            best, best_count = (plain, spans), count
    return trim(*best) if best else first_bullet(marked_body)


# ----------------------------------------------------------------------------- one short line


def squash(text: str, spans: Spans) -> tuple[str, Spans]:
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


def trim(text: str, spans: Spans, width: int = SNIPPET_CHARS) -> tuple[str, Spans]:
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
