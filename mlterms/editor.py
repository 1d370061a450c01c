"""The user's text editor: which one, how to open a file at a line in it, and running it.

  chosen()             $VISUAL, else $EDITOR, else the first of nano and vi on PATH; a value with
                       arguments (EDITOR="code --wait") is split as a shell would split it
  at_line(cmd, f, n)   the command line that opens file f at line n, in that editor's own form:
                       `+N FILE` (vi, vim, nvim, nano, emacs, micro, kak), `FILE:N` (helix),
                       `-g FILE:N` (VS Code); other editors get just the file
  run(cmd)             run it on the terminal and return its exit status

A library: nothing here prints. The editor itself draws on the terminal, as it should.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

FALLBACKS = ("nano", "vi")
PLUS_LINE = frozenset({"vi", "vim", "nvim", "gvim", "nano", "emacs", "emacsclient", "micro", "kak"})
COLON_LINE = frozenset({"hx", "helix"})
GOTO_LINE = frozenset({"code", "code-insiders", "codium"})


class EditorError(Exception):
    """No editor, or one that cannot be started: str(e) is the one-line message."""


def chosen() -> list[str]:
    """The editor's command, split into words. EditorError when there is none."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as e:
                raise EditorError(f"${name} is not a command line ({e}): {value}") from None
            if words:
                return words
    for fallback in FALLBACKS:
        found = shutil.which(fallback)
        if found:
            return [found]
    raise EditorError("no editor: set $VISUAL or $EDITOR (neither nano nor vi is on PATH)")


def name_of(command: list[str]) -> str:
    """The editor's name, as at_line knows it: '/usr/bin/nvim' -> 'nvim', 'Code.exe' -> 'code'."""
    name = os.path.basename(command[0]).casefold()
    return name.removesuffix(".exe")


def at_line(command: list[str], path: Path, line: int) -> list[str]:
    """The command line that opens `path` at `line` in the editor `command`."""
    name = name_of(command)
    if name in PLUS_LINE:
        return [*command, f"+{line}", str(path)]
    if name in COLON_LINE:
        return [*command, f"{path}:{line}"]
    if name in GOTO_LINE:
        return [*command, "-g", f"{path}:{line}"]
    return [*command, str(path)]


def run(command: list[str]) -> int:
    """Run the editor, attached to this terminal, and return its exit status."""
    try:
        return subprocess.run(command, check=False).returncode
    except FileNotFoundError:
        raise EditorError(f"editor not found: {command[0]} (set $VISUAL or $EDITOR)") from None
    except PermissionError:
        raise EditorError(f"editor cannot be run: {command[0]} (permission denied)") from None
    except OSError as e:
        raise EditorError(f"editor cannot be run: {command[0]} ({e.strerror or e})") from None


def edit_text(text: str, line: int) -> str:
    """Open `text` in the editor at `line` (a temp .md file) and return what was saved.

    EditorError when the editor cannot run or exits with a non-zero status.
    """
    import tempfile

    fd, name = tempfile.mkstemp(prefix="mlterms-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        status = run(at_line(chosen(), path, line))
        if status != 0:
            raise EditorError(f"the editor exited with status {status}; nothing was added")
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
