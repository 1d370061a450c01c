"""The renderer layer: Rich on a terminal, plain text in a pipe, JSON on request, from the same data.

Every command gets an `Output`; library code never prints. Rich is imported only when the
output is Rich, so a piped lookup never pays for it. Text from a glossary file is data: it is
passed through `clean` (control characters shown escaped) and drawn as rich.text.Text, never
parsed as markup.

Widths: output is fitted to the terminal (or `$COLUMNS`, 80 when unset), but never wider than
READING_WIDTH, because long lines are hard to read. A URL is never broken across lines.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from enum import Enum
from typing import IO, Any

from mlterms.patterns import lazy

READING_WIDTH = 100  # the widest that panels, prose and reports get, however wide the terminal
MIN_WIDTH = 20  # narrower than this, lines just overflow

# C0/C1 controls (but tab and newline), DEL, and bidi overrides that can disguise text.
CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


CONTROLS = lazy(CONTROL)  # compiled on first need: most text is printable and never needs it


# A link in glossary text: no spaces, quotes or brackets, and not the punctuation that ends it.
URL = lazy(r"\b(?:https?|ftp|file)://[^\s<>\"'\[\]]*[^\s<>\"'\[\].,;:!?)]")


class Mode(str, Enum):
    """How a command writes: Rich on a terminal, plain text, or JSON for scripts.

    A str Enum, so that a mode read back from anywhere still compares equal to its name.
    """

    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"


def clean(text: str) -> str:
    """Text safe for a terminal: every control character shown as a visible escape like '\\x1b'."""
    text = str(text)
    if text.isprintable():  # no control character can be in it (the usual case)
        return text
    return CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def to_json(data: Any) -> str:
    """Readable JSON (UTF-8 kept) in which every control character is a JSON escape."""
    import json

    raw = json.dumps(data, indent=2, ensure_ascii=False)
    if raw.isascii() and "\x7f" not in raw:  # json.dumps escaped every C0 control already
        return raw
    return CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def choose_mode(as_json: bool = False, color: str = "auto", stream: IO[str] | None = None) -> Mode:
    """JSON, Rich or plain, by --json, --color (auto, always, never), NO_COLOR, FORCE_COLOR, TERM=dumb, isatty."""
    if as_json:
        return Mode.JSON
    if color == "always":
        return Mode.RICH
    if color == "never" or os.environ.get("NO_COLOR"):
        return Mode.PLAIN
    if os.environ.get("FORCE_COLOR"):
        return Mode.RICH
    if os.environ.get("TERM") == "dumb":
        return Mode.PLAIN
    return Mode.RICH if is_tty(stream or sys.stdout) else Mode.PLAIN


def is_tty(stream: IO[str]) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def columns() -> int:
    """The terminal's width: $COLUMNS, else the size of the terminal, else 80."""
    return shutil.get_terminal_size((80, 24)).columns


def reading_width(total: int) -> int:
    return max(MIN_WIDTH, min(total, READING_WIDTH))


class Output:
    """Where and how a command writes its results (stdout), messages (stderr) and, for the quiz,
    its conversation (stdout, or stderr when stdout is reserved for JSON).

    `width` fixes the width (tests); `tty` says whether the text goes to a terminal, where plain
    prose is wrapped at word boundaries (in a pipe, a record stays one line).
    """

    def __init__(self, mode: Mode = Mode.PLAIN, width: int | None = None, tty: bool | None = None):
        self.mode = mode
        self._width = width
        self._tty = tty
        self._console: Any = None  # a rich Console, made on first use

    @property
    def rich(self) -> bool:
        return self.mode is Mode.RICH

    @property
    def is_json(self) -> bool:
        return self.mode is Mode.JSON

    @property
    def width(self) -> int:
        """The width to fit: the terminal's (or $COLUMNS), capped at READING_WIDTH."""
        if self.mode is Mode.RICH:
            return self.console.width
        return reading_width(self._width or columns())

    @property
    def stream(self) -> IO[str]:
        """Where the quiz talks to the user: stderr when stdout is reserved for JSON."""
        return sys.stderr if self.mode is Mode.JSON else sys.stdout

    def wrap_width(self) -> int | None:
        """The width to wrap plain prose at on a terminal; None in a pipe, where lines stay whole."""
        tty = is_tty(self.stream) if self._tty is None else self._tty
        return self.width if tty else None

    @property
    def console(self):
        """A Rich console on stdout that never interprets markup or highlights by itself."""
        if self._console is None:
            from rich.console import Console

            console = Console(
                file=sys.stdout,
                force_terminal=True if self.mode is Mode.RICH else None,
                width=self._width,
                markup=False,
                highlight=False,
                emoji=False,
                soft_wrap=False,
            )
            console.width = reading_width(console.width)
            self._console = console
        return self._console

    def print(self, *renderables: Any, crop: bool = True) -> None:
        """Rich renderables; crop=False lets a word wider than the width (a URL) run past it."""
        self.console.print(*renderables, crop=crop)

    def unbroken(self, renderable: Any) -> None:
        """One line that is never wrapped or cut, however wide (a URL): the terminal folds it."""
        self.console.print(renderable, no_wrap=True, overflow="ignore", crop=False)

    def line(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def json(self, data: Any) -> None:
        sys.stdout.write(to_json(data) + "\n")

    def say(self, lines: list[str], hang: bool = True) -> None:
        """Plain lines to the conversation stream, wrapped on a terminal (see `wrap_plain`)."""
        width = self.wrap_width()
        wrapped = [out for line in lines for out in wrap_plain(clean(line), width, hang)]
        self.stream.write("".join(line + "\n" for line in wrapped))
        self.stream.flush()

    def error(self, message: str) -> None:
        """One line on stderr: 'mlterms: <message>'."""
        sys.stderr.write(f"mlterms: {clean(message)}\n")
        sys.stderr.flush()


def wrap_plain(line: str, width: int | None, hang: bool = True) -> list[str]:
    """A line wrapped at word boundaries to width (None: kept whole), never breaking a word or URL.

    With hang, continuation lines are indented under the text after a leading bullet
    ('  - ', '2) '), or by two after a label ('see also: '), so bullets and fields read as blocks.
    """
    if width is None or len(line) <= width:
        return [line]
    lead = line[: len(line) - len(line.lstrip())]
    bullet = re.match(r"\s*(?:[-•*]|\d+\))\s+", line) if hang else None
    labelled = hang and re.match(r"\s*[a-z][a-z ]*: ", line)
    rest = " " * len(bullet.group()) if bullet else lead + ("  " if labelled else "")
    return textwrap.wrap(
        line[len(lead) :],
        width,
        initial_indent=lead,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [line]


def text(value: str, style: str = ""):
    """Glossary text as a Rich Text: literal (no markup), controls escaped, URLs as links."""
    from rich.text import Text

    t = Text(clean(value), style=style)
    for m in URL.finditer(t.plain):
        t.stylize(link_style(m.group()), m.start(), m.end())
    return t


def link_style(url: str):
    """A Rich style that makes the URL a hyperlink (OSC 8) on terminals that support it."""
    from rich.style import Style

    return Style(link=url)


def urls(value: str) -> list[str]:
    return URL.findall(clean(value))


def bullet_grid(lines: list[str], style: str = ""):
    """Bullets as a two-column grid, so a wrapped bullet hangs under its text, not under the '•'."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for line in lines:
        grid.add_row("•", text(line, style))
    return grid


def plural(n: int, word: str) -> str:
    """'1 check', '3 checks'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def joined(*parts):
    """Rich Texts side by side, each keeping its own style."""
    from rich.text import Text

    return Text.assemble(*parts)
