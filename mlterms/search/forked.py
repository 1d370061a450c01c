"""The index of a big glossary built by two processes: what a cold search of one mostly waits for.

Parsing the text and inserting its rows into FTS5 are each about a third of a cold search of
10,000 entries, and one core does them one after the other. Here the text is cut at headings
(cuts). A forked child parses the first CHILD_SHARE of it and inserts those rows, while the
parent parses the rest in PIECES pieces and hands each one's rows over as it is done: a marshal
dump appended to a file in memory, and a notice of where it is on a pipe. The child inserts each
piece after the ones before it, so the rowids are those of one build of the whole text. The
parent waits for the child before it uses the file: when the command answers, the index is whole
and in its cache file.

The result is the same file index.build makes from all rows (tests/search/test_forked.py).
Anything unusual, such as no fork (not Linux), other threads running, no place to cut, or a
child that fails, makes fill() return False, and the caller builds the index alone.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from pathlib import Path
from typing import BinaryIO

from mlterms.glossary import parse
from mlterms.process import single_threaded
from mlterms.search import index

MIN_CHARS = 1_000_000  # smaller texts build in about 100 ms: too little to win a fork back
CHILD_SHARE = 0.2  # the child's part of the text: it also inserts every row of the parent's
PIECES = 8  # the parent's part goes over in this many pieces, each inserted as it comes
HEADING = "\n### "
NOTICE = 16  # bytes of a notice: where a piece is in the rows file, its offset and length


def cuts(text: str, shares: list[float]) -> list[int] | None:
    """Offsets k at which to cut the text so that parse(text)'s entries are those of its parts,
    in order (line numbers aside); None when there is no such cut to find cheaply.

    Each cut is at the first '### ' line from a share of the text on (sorted shares). Such a line
    starts an entry or, if it names nothing, ends one; either way parse() carries nothing over
    it, except the state of a fenced code block, in which a '### ' line is text. So a text with
    any fence marker is never cut.
    """
    if "```" in text or "~~~" in text:
        return None
    found: list[int] = []
    for share in shares:
        start = max(int(len(text) * share), found[-1] if found else 0, 1)
        at = text.find(HEADING, start - 1)  # from the newline before `start`: a heading there counts
        if at == -1:
            break
        if not found or at + 1 > found[-1]:
            found.append(at + 1)
    return found or None


def fill(temp: Path, text: str, meta: str) -> bool:
    """Build the index of the glossary text into the new file `temp` (as index.build would),
    recorded as built from `meta`; False when it wasn't done this way (see the module doc)."""
    shares = [CHILD_SHARE + (1 - CHILD_SHARE) * k / PIECES for k in range(PIECES)]
    can_fork = len(text) >= MIN_CHARS and sys.platform == "linux" and single_threaded()
    found = cuts(text, shares) if can_fork else None
    if found is None:
        return False
    rows_file = os.memfd_create("mlterms-rows")  # the parent's rows: a file in memory, never full
    read_end, write_end = os.pipe()  # the notices: where the next piece is in rows_file
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's clean-up or output
        status = 1
        with contextlib.suppress(BaseException):
            os.close(write_end)
            child(temp, text[: found[0]], read_end, rows_file, meta)
            status = 0
        os._exit(status)
    try:  # read_end stays open here too: a write never meets a closed pipe (SIGPIPE kills, see cli)
        with open(write_end, "wb", buffering=0) as notices, open(rows_file, "wb") as out:
            for a, b in zip(found, [*found[1:], len(text)], strict=True):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    return False  # the child stopped before it had every row: it failed
                send(out, notices, index.rows_of(parse(text[a:b]).entries))
            send(out, notices, None)
    except BaseException:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_end)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def send(out: BinaryIO, notices: BinaryIO, value: list[index.Row] | None) -> None:
    """Append the value to the rows file, then tell the child where it is."""
    at = out.tell()
    data = marshal.dumps(value)
    out.write(data)
    out.flush()  # before the notice: the child reads the file, not this buffer
    notices.write(at.to_bytes(8, "little") + len(data).to_bytes(8, "little"))  # one write: atomic


def child(temp: Path, first: str, notices_end: int, rows_file: int, meta: str) -> None:
    """The child's work: the first part's rows into the file, then each piece of the parent's as it
    comes (None: no more), and the names of them all."""
    rows: list[index.Row] | None = index.rows_of(parse(first).entries)
    con = index.new_file(temp)
    index.create(con)
    names: list[str] = []
    with open(notices_end, "rb") as notices:
        while rows is not None:
            index.insert(con, rows)
            names.append(index.NameKeys.of_rows(rows).text)
            notice = notices.read(NOTICE)
            at, size = int.from_bytes(notice[:8], "little"), int.from_bytes(notice[8:], "little")
            rows = marshal.loads(os.pread(rows_file, size, at))
    index.finish(con, meta, "\n".join(part for part in names if part))
    con.close()
