"""The glossary model and its markdown parser. Pure: nothing here prints.

The format is the user's own notes file:

    ### what is dropout
    - aka: dropout regularization
    - each unit is zeroed with probability p during training
    - see also: overfitting, regularization
    - source: https://example.org/dropout

Headings are `### what is X` (also `What is a X?`, `what is an X`, or just `### X`);
bullets start with `-`, `*` or `+`; `aka:`, `see also:` and `source:` bullets are fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlterms.names import article_from_heading, key, term_from_heading

# The title ends at its last character that is not ' ', '\t' or '#' (as '(.*?)' would; 3x faster)
HEADING = re.compile(r"^ {0,3}###(?:[ \t]+(.*[^ \t#])?)?[ \t#]*$")
OTHER_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
BULLET = re.compile(r"^([ \t]*)[-*+](?:[ \t]+(.*))?$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
FIELD = re.compile(r"^(aka|see also|source)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
EXOTIC_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # line breaks to str.splitlines only


class GlossaryError(Exception):
    """A glossary file that cannot be read: str(e) is '<path>: <reason>' (with ':<line>' if known)."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None):
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


@dataclass
class Entry:
    term: str
    line: int  # 1-based line of the heading
    aliases: list[str] = field(default_factory=list)
    definition: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    article: str = ""  # the heading's article before the term ('an' in 'what is an encoder'), if any

    @property
    def names(self) -> list[str]:
        return [self.term, *self.aliases]


@dataclass
class Glossary:
    entries: list[Entry]
    path: str = "<text>"
    stray: list[tuple[int, str]] = field(default_factory=list)  # (line, text) that belong to no entry

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

    def terms(self) -> list[str]:
        return [e.term for e in self.entries]


def split_list(text: str) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    return [part for part in parts if part] if "" in parts else parts


class _Builder:
    """Feeds lines into entries; keeps the parsers' loops short."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.stray: list[tuple[int, str]] = []
        self.current: Entry | None = None  # the entry that bullets go to
        self.open_bullet = False  # can the next plain line continue the last bullet?

    def line(self, n: int, line: str) -> None:
        """Line n, outside fenced code: a heading, a bullet, text or a blank line."""
        stripped = line.strip()
        first = stripped[:1]  # most lines are told apart by their first character
        if not first:
            self.blank()
        elif first in "-*+" and (bullet := BULLET.match(line)):
            self.bullet(n, (bullet.group(2) or "").strip())
        elif first == "#" and (heading := HEADING.match(line)):
            self.heading(n, heading.group(1) or "")
        elif first == "#" and OTHER_HEADING.match(line):
            self.other_heading()
        else:
            self.text(n, stripped)

    def body(self, n: int, lines: list[str]) -> None:
        """Lines n, n+1, ... with no heading and no fence among them: the fast path's loop.

        Does what line() would do for each, in one loop: most lines are bullets of an entry.
        """
        entry = self.current
        if entry is None:  # a preamble, or lines after a `##` heading: rare
            for number, line in enumerate(lines, start=n):
                self.line(number, line)
            return
        definition, open_bullet = entry.definition, self.open_bullet
        for line in lines:
            text = line[2:].strip() if line[:2] == "- " else bullet_text(line)  # '- ': most lines
            if text is None:  # not a bullet: text or a blank line
                text = line.strip()
                if not text:
                    open_bullet = False
                elif open_bullet and definition:
                    definition[-1] += " " + text
                else:
                    definition.append(text)
                    open_bullet = True
            elif ":" in text and (match := FIELD.match(text)):
                name, value = match.groups()
                add_field(entry, name.lower(), value.strip())
                open_bullet = False
            elif text:
                definition.append(text)
                open_bullet = True
        self.open_bullet = open_bullet

    def heading(self, n: int, title: str) -> None:
        term = term_from_heading(title)
        self.current = Entry(term, n, [], [], [], []) if term else None  # lists: faster than factories
        if self.current:
            self.current.article = article_from_heading(title)
            self.entries.append(self.current)
        else:
            self.stray.append((n, f"### {title}".strip()))
        self.open_bullet = False

    def other_heading(self) -> None:
        """A `#`, `##` or `####` heading: a title or a section, which ends the current entry."""
        self.current, self.open_bullet = None, False

    def bullet(self, n: int, text: str) -> None:
        if self.current is None:
            if self.entries or text:
                self.stray.append((n, f"- {text}"))
            return
        match = FIELD.match(text)
        if match:
            add_field(self.current, match.group(1).lower(), match.group(2).strip())
            self.open_bullet = False
        elif text:
            self.current.definition.append(text)
            self.open_bullet = True

    def text(self, n: int, text: str, keep_spacing: bool = False) -> None:
        if self.current is None:
            if self.entries and text.strip():
                self.stray.append((n, text))
            return  # before the first heading: a title or preamble
        definition = self.current.definition
        if self.open_bullet and definition:
            definition[-1] += ("\n" if keep_spacing else " ") + text
        elif text:
            definition.append(text)
            self.open_bullet = True

    def blank(self) -> None:
        self.open_bullet = False


def bullet_text(line: str) -> str | None:
    """The text of a bullet line, stripped ('' for an empty bullet); None if it is no bullet."""
    if line[:1] in ("-", "*", "+") and line[1:2] in ("", " ", "\t"):  # '- text': most lines
        return line[2:].strip()
    bullet = BULLET.match(line)
    return None if bullet is None else (bullet.group(2) or "").strip()


def add_field(entry: Entry, name: str, value: str) -> None:
    if name == "aka":
        entry.aliases.extend(split_list(value))
    elif name == "see also":
        entry.see_also.extend(split_list(value))
    elif value:
        entry.sources.append(value)


def parse(text: str, path: str | Path = "<text>") -> Glossary:
    """Parse glossary markdown into an ordered Glossary. Never raises for any str input."""
    text = text.removeprefix("\ufeff")
    build = parse_lines(text) if has_fence(text) else parse_sections(text)
    return Glossary(entries=build.entries, path=str(path), stray=build.stray)


def has_fence(text: str) -> bool:
    """Can the text hold a fenced code block? (A str scans for one character 30x faster than for three.)"""
    return ("`" in text and "```" in text) or ("~" in text and "~~~" in text)


def parse_lines(text: str) -> _Builder:
    """The parser, line by line: the spec. parse() uses it for text with fenced code blocks."""
    build = _Builder()
    fence: str | None = None
    for n, line in enumerate(split_lines(text), start=1):
        mark = FENCE.match(line)
        if fence is not None:  # inside a fenced code block: literal text, never headings
            fence = None if mark and mark.group(1) == fence else fence
            build.text(n, line, keep_spacing=True)
        elif mark:
            fence = mark.group(1)
            build.text(n, line, keep_spacing=True)
        else:
            build.line(n, line)
    return build


def parse_sections(text: str) -> _Builder:
    """parse_lines() for text without fenced code, faster: the lines between two headings go
    through one loop (_Builder.body) instead of a call each."""
    if "\r" in text:  # the line breaks of split_lines: \r\n and a lone \r too
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    build = _Builder()
    start = 0  # index of the first line after the last heading
    for i, line in enumerate(lines):
        if line[:1] not in ("#", " "):  # a heading starts with '#' or up to 3 spaces
            continue
        heading = HEADING.match(line)
        if heading is None and not OTHER_HEADING.match(line):
            continue  # e.g. '#hashtag' or an indented bullet: part of the body
        build.body(start + 1, lines[start:i])
        if heading:
            build.heading(i + 1, heading.group(1) or "")
        else:
            build.other_heading()
        start = i + 1
    build.body(start + 1, lines[start:])
    return build


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
