"""The bundled glossary, parsed ahead of time: `define` starts faster when it needn't parse it.

`mlterms/data/glossary.parsed` holds what `glossary.parse` makes of the bundled markdown, in
`marshal` form, with the length and CRC-32 of the bytes it was made from. glossary.load uses it
only while those bytes are unchanged; otherwise (an edited glossary, a file written by another
Python, any damage) the markdown is parsed as usual. The CRC guards against a stale file, not an
adversary: the bundled glossary ships inside the package it describes.

A leaf module (glossary.py builds the entries). The file is generated, and committed: after
editing glossary.md or the parser, run

    python -c 'from mlterms.glossary import write_parsed; write_parsed()'

tests/test_parsed.py fails, naming that command, while the file is out of date.
"""

from __future__ import annotations

import marshal
import zlib
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when the layout below changes
PARSED = Path(__file__).parent / "data" / "glossary.parsed"

Parts = tuple[list[tuple], list[tuple[int, str]], list[tuple[int, str]]]  # entries' values, stray, unspaced


def fingerprint(data: bytes) -> tuple[int, int]:
    return len(data), zlib.crc32(data)


def dump(fields: tuple[str, ...], glossary: Any, data: bytes) -> bytes:
    """The parsed form of `glossary` (a glossary.Glossary), the parse of the markdown bytes `data`."""
    entries = [tuple(getattr(e, name) for name in fields) for e in glossary.entries]
    return marshal.dumps((FORMAT, fields, fingerprint(data), entries, glossary.stray, glossary.unspaced))


def read(fields: tuple[str, ...], data: bytes) -> Parts | None:
    """The entries' field values (in `fields` order), stray and unspaced lines parsed from the
    markdown bytes `data`, if the parsed file was made from them with these fields; else None."""
    try:
        form, made_with, made_from, entries, stray, unspaced = marshal.loads(PARSED.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):  # missing, damaged, or another layout
        return None
    if form != FORMAT or made_with != fields or made_from != fingerprint(data):
        return None
    return entries, stray, unspaced


def write(blob: bytes) -> Path:
    """Replace the parsed file with `blob`, atomically (files.write_atomic)."""
    from mlterms.files import umask_mode, write_atomic  # only the generator writes: not on define's path

    write_atomic(PARSED, blob, mode=umask_mode())
    return PARSED
