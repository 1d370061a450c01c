"""The glossary model and its markdown parser. Pure: nothing here prints.

The format is the user's own notes file:

    ### what is dropout
    - aka: dropout regularization
    - each unit is zeroed with probability p during training
    - see also: overfitting, regularization
    - builds on: neural network, regularization
    - source: https://example.org/dropout

Headings are `### what is X` (also `What is a X?`, `what is an X`, or just `### X`);
bullets start with `-`, `*` or `+`; `aka:`, `see also:`, `builds on:` and `source:` bullets are
fields. `builds on:` lists the terms an entry is made from (its prerequisites; see links.py).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Collection
from functools import cached_property
from pathlib import Path

from mlterms import parsed
from mlterms.names import heading_parts, keys
from mlterms.patterns import lazy

# The title ends at its last character that is not ' ', '\t' or '#' (what a lazy '(.*?)' finds).
HEADING = lazy(r"^ {0,3}###(?:[ \t]+(.*[^ \t#])?)?[ \t#]*$")
UNSPACED_HEADING = lazy(r"^ {0,3}###[^#\s]")  # '###what is x': text to markdown, not a heading
OTHER_HEADING = lazy(r"^ {0,3}#{1,6}(?:[ \t]|$)")
BULLET = lazy(r"^([ \t]*)[-*+](?:[ \t]+(.*))?$")
FENCE = lazy(r"^ {0,3}(```|~~~)")
FIELD = lazy(r"^(aka|see also|builds on|source)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
LINE_BREAK = lazy(r"\r\n|\r|\n")
EXOTIC_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # line breaks to str.splitlines only


class GlossaryError(Exception):
    """A glossary file that cannot be read: str(e) is '<path>: <reason>' (with ':<line>' if known)."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None):
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class Entry:
    """One term. Each *_lines list is parallel to its list: the 1-based line each item comes from
    (a definition item's first line, an alias's `aka:` bullet, ...), so that findings can point there.

    A plain class with slots, written out: a dataclass this size costs every command about 2 ms
    of start-up (its methods are generated and compiled on each import).
    """

    __slots__ = FIELDS = (
        "term",
        "line",  # 1-based line of the heading
        "aliases",
        "definition",
        "see_also",
        "builds_on",  # prerequisites, as written
        "sources",
        "article",  # the heading's article before the term ('an' in 'what is an encoder'), if any
        "alias_lines",
        "definition_lines",
        "see_also_lines",
        "builds_on_lines",
        "source_lines",
        "empty_fields",  # ((line, 'aka'), ...): a field with nothing after ':'
        "origin",  # the file it was read from, set by layers.read_layer ('' for parsed text)
    )

    def __init__(
        self,
        term: str,
        line: int,
        aliases: list[str] | None = None,
        definition: list[str] | None = None,
        see_also: list[str] | None = None,
        builds_on: list[str] | None = None,
        sources: list[str] | None = None,
        article: str = "",
        alias_lines: list[int] | None = None,
        definition_lines: list[int] | None = None,
        see_also_lines: list[int] | None = None,
        builds_on_lines: list[int] | None = None,
        source_lines: list[int] | None = None,
        empty_fields: tuple[tuple[int, str], ...] = (),
        origin: str = "",
    ):
        self.term, self.line, self.article, self.empty_fields = term, line, article, empty_fields
        self.origin = origin
        self.aliases = [] if aliases is None else aliases
        self.definition = [] if definition is None else definition
        self.see_also = [] if see_also is None else see_also
        self.builds_on = [] if builds_on is None else builds_on
        self.sources = [] if sources is None else sources
        self.alias_lines = [] if alias_lines is None else alias_lines
        self.definition_lines = [] if definition_lines is None else definition_lines
        self.see_also_lines = [] if see_also_lines is None else see_also_lines
        self.builds_on_lines = [] if builds_on_lines is None else builds_on_lines
        self.source_lines = [] if source_lines is None else source_lines

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        return self._values() == other._values() if type(other) is Entry else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (
            "Entry(" + ", ".join(f"{n}={v!r}" for n, v in zip(self.FIELDS, self._values(), strict=True)) + ")"
        )

    @property
    def names(self) -> list[str]:
        return [self.term, *self.aliases]


class Glossary:
    """The entries of a glossary file in order, and the lines that belong to none (for check).

    A glossary merged from layers (layers.merge) also knows which lower entries each entry hides."""

    def __init__(
        self,
        entries: list[Entry],
        path: str = "<text>",
        stray: list[tuple[int, str]] | None = None,  # (line, text) that belong to no entry
        unspaced: list[tuple[int, str]] | None = None,  # (line, text) of '###what is x'
        hides: dict[str, list[str]] | None = None,  # term -> lower layers' terms it shadows
    ):
        self.entries, self.path = entries, path
        self.stray = [] if stray is None else stray
        self.unspaced = [] if unspaced is None else unspaced
        self.hides = {} if hides is None else hides

    def _values(self) -> tuple:
        return (self.entries, self.path, self.stray, self.unspaced, self.hides)

    def __eq__(self, other: object) -> bool:
        return self._values() == other._values() if type(other) is Glossary else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Glossary({len(self.entries)} entries, path={self.path!r})"

    def demo_names(self, entry: Entry) -> list[str]:
        """The names a demo of the entry may have: its own, then those of the entries it shadows
        (your 'layer norm' over the bundled 'layer normalization' keeps that demo)."""
        return [*entry.names, *self.hides.get(entry.term, [])]

    def demo_key(self, entry: Entry, demo_keys: Collection[str]) -> str | None:
        """The names.key of the entry's demo among `demo_keys` (the keys of every demo's name):
        named after its term, an alias, or an entry it shadows, in that order; None if it has none.
        The one rule for "has this term a demo": define, list, path, demo and explore all ask it."""
        return next((k for k in keys(self.demo_names(entry)) if k in demo_keys), None)

    @cached_property
    def index(self) -> dict[str, list[Entry]]:
        """Every matching key (see names.key) of every name and alias, to its entries."""
        found: dict[str, list[Entry]] = {}
        named = [(entry, name) for entry in self.entries for name in entry.names]
        for (entry, _), k in zip(named, keys([name for _, name in named]), strict=True):
            bucket = found.setdefault(k, [])
            if entry not in bucket:
                bucket.append(entry)
        return found


def split_list(text: str) -> list[str]:
    parts = list(map(str.strip, text.split(",")))
    return [part for part in parts if part] if "" in parts else parts


def parse(text: str, path: str | Path = "<text>") -> Glossary:
    """Parse glossary markdown into an ordered Glossary. Never raises for any str input.

    The loop takes the lines that most glossaries are made of, a `- ` bullet or a blank line in an
    entry, itself; every other line (headings, other bullets, text, fenced code) goes to
    _Builder.line(), the rules of the format.
    """
    build = _Builder()
    entry: Entry | None = None  # build.current, outside fenced code only
    definition: list[str] = []  # entry.definition and entry.definition_lines, at hand
    definition_lines: list[int] = []
    open_bullet = False  # build.open_bullet, kept here while this loop takes the lines
    for n, line in enumerate(split_lines(text.removeprefix("\ufeff")), start=1):
        if entry is not None:
            if line[:2] == "- ":
                item = line[2:].strip()
                if ":" in item and (match := FIELD.match(item)):
                    add_field(entry, n, match)
                    open_bullet = False
                elif item:
                    definition.append(item)
                    definition_lines.append(n)
                    open_bullet = True
                continue
            if not line:
                open_bullet = False
                continue
            if line[:4] == "### " and (heading := HEADING.match(line)):
                build.heading(n, heading.group(1) or "")  # what build.line() would do, sooner
                entry = build.current
                if entry is not None:
                    definition, definition_lines = entry.definition, entry.definition_lines
                open_bullet = False
                continue
        build.open_bullet = open_bullet
        build.line(n, line)
        open_bullet = build.open_bullet
        entry = build.current if build.fence is None else None
        if entry is not None:
            definition, definition_lines = entry.definition, entry.definition_lines
    return Glossary(entries=build.entries, path=str(path), stray=build.stray, unspaced=build.unspaced)


def add_field(entry: Entry, n: int, match: re.Match[str]) -> None:
    """An `aka:`, `see also:`, `builds on:` or `source:` bullet of the entry, on line n (a FIELD match)."""
    name, value = match.groups()
    name, value = name.casefold(), value.strip()  # casefold: what IGNORECASE matched (ſ, K)
    if name == "aka":
        if items := split_list(value):
            entry.aliases += items
            entry.alias_lines += [n] * len(items)
            return
    elif name == "see also":
        if items := split_list(value):
            entry.see_also += items
            entry.see_also_lines += [n] * len(items)
            return
    elif name == "builds on":
        if items := split_list(value):
            entry.builds_on += items
            entry.builds_on_lines += [n] * len(items)
            return
    elif value:
        entry.sources.append(value)
        entry.source_lines.append(n)
        return
    entry.empty_fields += ((n, name),)  # rare: a tuple, not a list per entry


class _Builder:
    """The format's rules, one line at a time: what each kind of line adds to the entries."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.stray: list[tuple[int, str]] = []
        self.unspaced: list[tuple[int, str]] = []
        self.current: Entry | None = None  # the entry that bullets go to
        self.open_bullet = False  # can the next plain line continue the last bullet?
        self.fence: str | None = None  # the mark of the fenced code block we are in, if any

    def line(self, n: int, line: str) -> None:
        """Line n: a fence, a line of fenced code, a heading, a bullet, text or a blank line."""
        mark = FENCE.match(line) if line[:1] in ("`", "~", " ") else None
        if self.fence is not None:  # inside a fenced code block: literal text, never headings
            if mark and mark.group(1) == self.fence:
                self.fence = None
            self.text(n, line, keep_spacing=True)
            return
        if mark:
            self.fence = mark.group(1)
            self.text(n, line, keep_spacing=True)
            return
        stripped = line.strip()
        first = stripped[:1]  # most lines are told apart by their first character
        if not first:
            self.open_bullet = False
        elif first in "-*+" and (bullet := BULLET.match(line)):
            self.bullet(n, (bullet.group(2) or "").strip())
        elif first == "#" and (heading := HEADING.match(line)):
            self.heading(n, heading.group(1) or "")
        elif first == "#" and OTHER_HEADING.match(line):
            self.current, self.open_bullet = None, False  # a title or a section ends the entry
        else:
            if first == "#" and UNSPACED_HEADING.match(line):
                self.unspaced.append((n, stripped))
            self.text(n, stripped)

    def heading(self, n: int, title: str) -> None:
        term, article = heading_parts(title)
        self.current = Entry(term, n, article=article) if term else None
        if self.current:
            self.entries.append(self.current)
        else:
            self.stray.append((n, f"### {title}".strip()))
        self.open_bullet = False

    def bullet(self, n: int, text: str) -> None:
        entry = self.current
        if entry is None:
            if self.entries or text:
                self.stray.append((n, f"- {text}"))
            return
        match = FIELD.match(text)
        if match:
            add_field(entry, n, match)
            self.open_bullet = False
        elif text:
            entry.definition.append(text)
            entry.definition_lines.append(n)
            self.open_bullet = True

    def text(self, n: int, text: str, keep_spacing: bool = False) -> None:
        entry = self.current
        if entry is None:
            if self.entries and text.strip():
                self.stray.append((n, text))
            return  # before the first heading: a title or preamble
        if self.open_bullet and entry.definition:
            entry.definition[-1] += ("\n" if keep_spacing else " ") + text
        elif text:
            entry.definition.append(text)
            entry.definition_lines.append(n)
            self.open_bullet = True


def split_lines(text: str) -> list[str]:
    """Lines split at \\n, \\r\\n or a lone \\r only (str.splitlines also splits at \\f, \\x85, ...)."""
    if any(c in text for c in EXOTIC_BREAKS):  # faster than a regex search
        return LINE_BREAK.split(text)
    lines = text.splitlines()
    return lines + [""] if text.endswith(("\n", "\r")) or not text else lines


def read_text(path: str | Path) -> str:
    """The file's text as UTF-8, or a GlossaryError saying why not (with the line of a bad byte)."""
    return decode(path, read_bytes(path))


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, or a GlossaryError saying why they can't be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise GlossaryError(path, "no such file") from None
    except IsADirectoryError:
        raise GlossaryError(path, "is a directory, not a glossary file") from None
    except PermissionError:
        raise GlossaryError(path, "permission denied") from None
    except OSError as e:
        raise GlossaryError(path, e.strerror or str(e)) from None
    except ValueError:  # e.g. a NUL byte in the path
        raise GlossaryError(path, "not a valid file name") from None


def decode(path: str | Path, data: bytes) -> str:
    """The bytes of a glossary file as text, or a GlossaryError: binary, or not UTF-8."""
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise GlossaryError(path, "binary file, not markdown (NUL byte)", line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise GlossaryError(path, f"not UTF-8 text (byte 0x{data[e.start]:02x})", line) from None


def load(path: str | Path) -> Glossary:
    """The glossary in a file. The bundled one comes parsed ahead of time (mlterms.parsed) while
    its bytes are the ones that were parsed."""
    data = read_bytes(path)
    if is_bundled(path):
        ready = parsed.read(Entry.FIELDS, data)
        if ready is not None:
            with contextlib.suppress(TypeError):  # values that do not fit: parse instead
                entries, stray, unspaced = ready
                return Glossary([Entry(*values) for values in entries], str(path), stray, unspaced)
    return parse(decode(path, data), path)


def write_parsed() -> Path:
    """Parse the bundled glossary and write its parsed form (see mlterms.parsed)."""
    path = bundled_path()
    data = read_bytes(path)
    return parsed.write(parsed.dump(Entry.FIELDS, parse(decode(path, data), str(path)), data))


@functools.cache
def bundled_path() -> Path:
    """The shipped glossary, resolved once: layers, load() and list ask for it again and again."""
    return (Path(__file__).parent / "data" / "glossary.md").resolve()


def is_bundled(path: str | Path) -> bool:
    """Is this path (as named by a layer, or an Entry.origin) the shipped glossary?"""
    return str(path) == str(bundled_path())
