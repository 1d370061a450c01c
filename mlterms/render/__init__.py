"""The renderer layer: Rich on a terminal, plain text in a pipe, JSON on request, from the same data.

Every command gets an `Output`; library code never prints. Rich is imported only when the
output is Rich, so a piped lookup never pays for it. Text from a glossary file is data: it is
passed through `clean` (control characters shown escaped) and drawn as rich.text.Text, never
parsed as markup.
"""

from __future__ import annotations

import os
import re
import sys
from typing import IO, Any

MODES = ("rich", "plain", "json")
COLORS = ("auto", "always", "never")

# C0/C1 controls (but tab and newline), DEL, and bidi overrides that can disguise text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Text safe for a terminal: every control character shown as a visible escape like '\\x1b'."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def to_json(data: Any) -> str:
    """Readable JSON (UTF-8 kept) in which every control character is a JSON escape."""
    import json

    raw = json.dumps(data, indent=2, ensure_ascii=False)
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def choose_mode(as_json: bool = False, color: str = "auto", stream: IO[str] | None = None) -> str:
    """'json', 'rich' or 'plain', by --json, --color, NO_COLOR, FORCE_COLOR, TERM=dumb and isatty."""
    if as_json:
        return "json"
    if color == "always":
        return "rich"
    if color == "never" or os.environ.get("NO_COLOR"):
        return "plain"
    if os.environ.get("FORCE_COLOR"):
        return "rich"
    if os.environ.get("TERM") == "dumb":
        return "plain"
    stream = stream or sys.stdout
    return "rich" if hasattr(stream, "isatty") and stream.isatty() else "plain"


class Output:
    """Where and how a command writes its results (stdout) and messages (stderr)."""

    def __init__(self, mode: str = "plain", color: str = "auto"):
        self.mode = mode
        self.color = color
        self._console = None

    @property
    def rich(self) -> bool:
        return self.mode == "rich"

    @property
    def console(self):
        """A Rich console on stdout that never interprets markup or highlights by itself."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=sys.stdout,
                force_terminal=True if self.mode == "rich" else None,
                markup=False,
                highlight=False,
                emoji=False,
                soft_wrap=False,
            )
        return self._console

    def print(self, *renderables: Any) -> None:
        self.console.print(*renderables)

    def line(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def json(self, data: Any) -> None:
        sys.stdout.write(to_json(data) + "\n")

    def error(self, message: str) -> None:
        """One line on stderr: 'mlterms: <message>'."""
        sys.stderr.write(f"mlterms: {clean(message)}\n")
        sys.stderr.flush()


def text(value: str, style: str = ""):
    """Glossary text as a Rich Text: literal (no markup), controls escaped."""
    from rich.text import Text

    return Text(clean(value), style=style)


def plural(n: int, word: str) -> str:
    """'1 check', '3 checks'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def joined(*parts):
    """Rich Texts side by side, each keeping its own style."""
    from rich.text import Text

    return Text.assemble(*parts)
