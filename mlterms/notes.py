"""Writing the user's own glossary: new entries (`add`) and copies of bundled ones (`edit`).

Nothing already in the file is ever lost or changed:
  - the new text is appended after every byte of the file, a BOM, CRLF line endings (the new
    lines use the file's own) and a missing final newline included (it stays missing);
  - the write is atomic (files.write_atomic) and keeps the file's permissions; a symlinked file
    is written where the link points, and the link stays;
  - writers take a lock and re-read the file under it, so two `add`s at once both land, and a
    name already in the file (as a term or an alias) is refused then, not before.
The shipped glossary is never written: it is not a place any function here accepts.

A library: nothing here prints.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlterms.files import locked, remove_stale_temps, umask_mode, write_atomic
from mlterms.glossary import (
    FENCE,
    FIELD,
    HEADING,
    OTHER_HEADING,
    Entry,
    GlossaryError,
    bundled_path,
    parse,
    split_list,
)
from mlterms.glossary import split_lines as lines_of
from mlterms.names import key, term_from_heading
from mlterms.places import home

TITLE = "# My ML notes"  # the first line of a personal glossary that `add` creates


class NotesError(Exception):
    """Why an entry cannot be written: str(e) is the one-line message."""


class BadEntry(NotesError):
    """What was asked for is not a well-formed entry (bad usage)."""


class AlreadyThere(NotesError):
    """A name of the new entry is already a name of an entry in the file."""

    def __init__(self, path: Path, entry: Entry):
        self.path, self.entry = path, entry
        super().__init__(f'already in {path}:{entry.line}; use mlterms edit "{entry.term}"')


def term_of(typed: str) -> str:
    """The term meant by what was typed: 'what is a GAN?' -> 'GAN' (as a heading reads it);
    otherwise only a trailing '?' goes: 'a priori' stays 'a priori' (and is refused below)."""
    typed = typed.strip()
    if typed.casefold().startswith(("what ", "what's", "what\u2019s", "whats")):
        return term_from_heading(typed)
    return typed.rstrip("?").strip()


@dataclass(frozen=True)
class Draft:
    """An entry to add, field by field."""

    term: str
    definition: list[str]
    aliases: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    builds_on: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        """The entry as the glossary writes one (see glossary.md), '\\n' line breaks, no final one.

        BadEntry if it would not read back as itself: a line break in a field, a definition
        bullet that reads as a field (`aka: ...`), a term that reads as another.
        """
        for value in [self.term, *self.aliases, *self.see_also, *self.builds_on, *self.sources]:
            if "\n" in value or "\r" in value:
                raise BadEntry(f"a line break in '{value.splitlines()[0]}...': a field is one line")
        for bullet in self.definition:
            if FIELD.match(bullet):
                raise BadEntry(
                    f"'{bullet}' would read as a field: use --aka, --see-also, --builds-on or --source"
                )
        lines = [f"### what is {self.term}"]
        if self.aliases:
            lines.append("- aka: " + ", ".join(self.aliases))
        lines += [f"- {bullet}" for bullet in self.definition]
        if self.builds_on:
            lines.append("- builds on: " + ", ".join(self.builds_on))
        if self.see_also:
            lines.append("- see also: " + ", ".join(self.see_also))
        lines += [f"- source: {source}" for source in self.sources]
        text = "\n".join(lines)
        if not self.reads_back(text):
            text = "\n".join([f"### {self.term}", *lines[1:]])
            if not self.reads_back(text):
                raise BadEntry(f"'{self.term}' cannot be a heading: it would be read as another term")
        return text

    def reads_back(self, text: str) -> bool:
        entries = parse(text).entries
        if len(entries) != 1:
            return False
        e = entries[0]
        wanted = (self.term, self.aliases, self.definition, self.see_also, self.builds_on, self.sources)
        return (e.term, e.aliases, e.definition, e.see_also, e.builds_on, e.sources) == wanted


def from_lines(lines: Sequence[str], draft: Draft) -> Draft:
    """`draft` with the bullets typed one a line (stdin): a leading bullet mark is optional, blank
    lines are skipped, and a line such as `aka: ln` adds to that field. BadEntry if no line is a
    definition."""
    fields: dict[str, list[str]] = {"aka": [], "see also": [], "builds on": [], "source": []}
    definition = []
    for line in lines:
        bullet = line.strip()
        bullet = bullet[2:].strip() if bullet[:2] in ("- ", "* ", "+ ") else bullet
        match = FIELD.match(bullet)
        if match:
            name, value = match.group(1).casefold(), match.group(2).strip()
            fields[name] += [value] if name == "source" else split_list(value)
        elif bullet:
            definition.append(bullet)
    if not definition:
        raise BadEntry("no definition: give it as bullets, one a line")
    return Draft(
        draft.term,
        [*draft.definition, *definition],
        [*draft.aliases, *fields["aka"]],
        [*draft.see_also, *fields["see also"]],
        [*draft.builds_on, *fields["builds on"]],
        [*draft.sources, *[s for s in fields["source"] if s]],
    )


TEMPLATE_NOTE = """\
<!-- mlterms add: write the definition under the heading, one bullet a line. Optional fields:
     "- aka: a, b", "- see also: x, y", "- builds on: x", "- source: URL".
     Save and quit to add the entry; leave this unchanged to add nothing. -->
"""


def template(draft: Draft) -> tuple[str, int]:
    """The text `add` opens in the editor for a draft with no definition, and the line of its
    empty bullet, where the cursor goes."""
    fields = Draft(draft.term, [], draft.aliases, draft.see_also, draft.builds_on, draft.sources)
    lines = fields.markdown().split("\n")
    at = 2 if draft.aliases else 1  # after the heading and the aka line
    lines.insert(at, "- ")
    note = TEMPLATE_NOTE.count("\n") + 1  # the note, then a blank line
    return TEMPLATE_NOTE + "\n" + "\n".join(lines) + "\n", note + at + 1


def from_template(text: str) -> str | None:
    """The entry written in the editor: its block without empty bullets and empty fields; None
    when there is no entry with a definition. BadEntry for more than one entry."""
    entries = parse(text).entries
    if len(entries) > 1:
        raise BadEntry("write one entry: add takes one term at a time")
    if not entries or not entries[0].definition:
        return None
    block = entry_block(text, entries[0].line).split("\n")
    empty = {n for n, _ in entries[0].empty_fields}
    kept = [line for n, line in enumerate(block, start=entries[0].line) if n not in empty]
    return "\n".join(line for line in kept if line.strip() not in ("-", "*", "+"))


def entry_block(text: str, line: int) -> str:
    """The lines of the entry whose heading is on `line`: up to the next heading of any level
    (outside fenced code), without the blank lines at its end; '\\n' line breaks."""
    lines = lines_of(text.removeprefix("\ufeff"))
    end, fence = line, None
    while end < len(lines):
        current = lines[end]
        mark = FENCE.match(current)
        if fence is not None:
            fence = None if mark and mark.group(1) == fence else fence
        elif mark:
            fence = mark.group(1)
        elif HEADING.match(current) or OTHER_HEADING.match(current):
            break
        end += 1
    block = lines[line - 1 : end]
    while block and not block[-1].strip():
        block.pop()
    return "\n".join(block)


def newline_of(data: bytes) -> bytes:
    """The file's own line break: the first one in it (\\n when it has none)."""
    at = next((i for i, b in enumerate(data) if b in b"\r\n"), None)
    if at is None:
        return b"\n"
    return b"\r\n" if data[at : at + 2] == b"\r\n" else data[at : at + 1]


def appended(data: bytes, block: str) -> bytes:
    """`data` with `block` after it, a blank line between, in the file's line breaks; a file with
    no final newline still has none."""
    newline = newline_of(data)
    body = block.replace("\n", newline.decode()).encode("utf-8")
    if not data:
        return body + newline
    if not data.endswith((b"\n", b"\r")):
        return data + newline + newline + body
    blank = data.endswith(newline * 2) or data == newline
    return data + (b"" if blank else newline) + body + newline


@dataclass(frozen=True)
class Written:
    """What a write put where: the new entry as the file now reads it, and the file's bytes
    before (None: the file was created) and after, to undo an untouched copy."""

    path: Path
    entry: Entry
    before: bytes | None
    after: bytes


def lock_of(path: Path) -> Path:
    """The lock for writes to `path`: in the data home, so that no lock file sits in your notes."""
    digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:16]
    return home() / "locks" / f"glossary-{digest}"


def target_of(path: Path) -> Path:
    """Where writes to `path` go: the file a symlink points to; never the shipped glossary."""
    real = Path(os.path.realpath(path))
    if real == bundled_path():
        raise NotesError(f"{path}: the bundled glossary is never written; name your own with -g FILE")
    return real


def append(path: Path, block: str, create: bool = False) -> Written:
    """Append the entry `block` (markdown, '\\n' line breaks) to the glossary at `path`.

    Under the lock, the file is re-read and every name of the new entry is checked against it:
    AlreadyThere if one is taken. A missing file is created (with TITLE) only if `create`;
    else it is a GlossaryError, as for any layer. NotesError if the file ends inside fenced
    code (the entry would not be an entry) or cannot be written.
    """
    target = target_of(path)
    new = parse(block).entries[0]
    with locked(lock_of(target)):
        remove_stale_temps(target)
        before = read_bytes(target, create)
        old = parse(decode(path, before or b""))
        for name in new.names:
            taken = old.index.get(key(name))
            if taken:
                raise AlreadyThere(path, taken[0])
        after = appended(before or b"", f"{TITLE}\n\n{block}" if before is None else block)
        now = parse(decode(path, after))
        if len(now.entries) != len(old.entries) + 1:
            raise NotesError(f"{path}: it ends inside a fenced code block; close it first")
        if before is None:
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_atomic(target, after, mode=mode_of(target))
        except OSError as e:
            raise NotesError(f"{path}: cannot write it: {e.strerror or e}") from None
    return Written(path, now.entries[-1], before, after)


def undo(written: Written) -> bool:
    """Take back a write if the file is still exactly as it left it: restore the old bytes, or
    remove a file it created. Returns whether it did."""
    target = target_of(written.path)
    with locked(lock_of(target)):
        try:
            if target.read_bytes() != written.after:
                return False
            if written.before is None:
                target.unlink()
            else:
                write_atomic(target, written.before, mode=mode_of(target))
        except OSError:
            return False
    return True


def read_bytes(path: Path, missing_ok: bool) -> bytes | None:
    """The file's bytes; None for a missing file when `missing_ok`. GlossaryError otherwise."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise GlossaryError(path, "no such file") from None
    except IsADirectoryError:
        raise GlossaryError(path, "is a directory, not a glossary file") from None
    except OSError as e:
        raise GlossaryError(path, e.strerror or str(e)) from None


def decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise GlossaryError(path, f"not UTF-8 text (byte 0x{data[e.start]:02x})") from None


def mode_of(path: Path) -> int:
    """The file's permission bits, to keep them; a new file's from the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return umask_mode()
