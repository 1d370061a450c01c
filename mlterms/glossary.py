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

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlterms.names import article_from_heading, key, term_from_heading

# The title ends at its last character that is not ' ', '\t' or '#' (what a lazy '(.*?)' finds).
HEADING = re.compile(r"^ {0,3}###(?:[ \t]+(.*[^ \t#])?)?[ \t#]*$")
UNSPACED_HEADING = re.compile(r"^ {0,3}###[^#\s]")  # '###what is x': text to markdown, not a heading
OTHER_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
BULLET = re.compile(r"^([ \t]*)[-*+](?:[ \t]+(.*))?$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
FIELD = re.compile(r"^(aka|see also|builds on|source)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
EXOTIC_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # line breaks to str.splitlines only


class GlossaryError(Exception):
    """A glossary file that cannot be read: str(e) is '<path>: <reason>' (with ':<line>' if known)."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None):
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


@dataclass(slots=True)
class Entry:
    """One term. Each *_lines list is parallel to its list: the 1-based line each item comes from
    (a definition item's first line, an alias's `aka:` bullet, ...), so that findings can point there."""

    term: str
    line: int  # 1-based line of the heading
    aliases: list[str] = field(default_factory=list)
    definition: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    builds_on: list[str] = field(default_factory=list)  # prerequisites, as written
    sources: list[str] = field(default_factory=list)
    article: str = ""  # the heading's article before the term ('an' in 'what is an encoder'), if any
    alias_lines: list[int] = field(default_factory=list)
    definition_lines: list[int] = field(default_factory=list)
    see_also_lines: list[int] = field(default_factory=list)
    builds_on_lines: list[int] = field(default_factory=list)
    source_lines: list[int] = field(default_factory=list)
    empty_fields: tuple[tuple[int, str], ...] = ()  # (line, 'aka'): a field with nothing after ':'
    origin: str = ""  # the file it was read from, set by layers.read_layer ('' for parsed text)

    @property
    def names(self) -> list[str]:
        return [self.term, *self.aliases]


@dataclass
class Glossary:
    entries: list[Entry]
    path: str = "<text>"
    stray: list[tuple[int, str]] = field(default_factory=list)  # (line, text) that belong to no entry
    unspaced: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of '###what is x'
    hides: dict[str, list[str]] = field(default_factory=dict)  # term -> lower layers' terms it shadows

    def demo_names(self, entry: Entry) -> list[str]:
        """The names a demo of the entry may have: its own, then those of the entries it shadows
        (your 'layer norm' over the bundled 'layer normalization' keeps that demo)."""
        return [*entry.names, *self.hides.get(entry.term, [])]

    @cached_property
    def index(self) -> dict[str, list[Entry]]:
        """Every matching key (see names.key) of every name and alias, to its entries."""
        found: dict[str, list[Entry]] = {}
        for entry in self.entries:
            for name in entry.names:
                bucket = found.setdefault(key(name), [])
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
        term = term_from_heading(title)
        self.current = Entry(term, n, article=article_from_heading(title)) if term else None
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
    try:
        data = Path(path).read_bytes()
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
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise GlossaryError(path, "binary file, not markdown (NUL byte)", line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise GlossaryError(path, f"not UTF-8 text (byte 0x{data[e.start]:02x})", line) from None


def load(path: str | Path) -> Glossary:
    return parse(read_text(path), path)


def bundled_path() -> Path:
    return (Path(__file__).parent / "data" / "glossary.md").resolve()
