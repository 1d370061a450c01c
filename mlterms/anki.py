"""The glossary as an Anki deck: one note per entry, as an .apkg package (genanki) or as Anki's
text-import CSV. One-way: the markdown glossary stays the source of truth.

A note's GUID is derived from the term's key (`names.key`), so re-exporting after an edit and
importing again updates the notes instead of adding copies. Nothing here prints; files are
written atomically (files.replace_with: a temp file in the same folder, fsynced, then renamed).
"""

from __future__ import annotations

import csv
import html
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from mlterms.files import replace_with
from mlterms.glossary import Entry, Glossary
from mlterms.names import key

FORMATS = ("apkg", "csv")
MODEL_NAME = "mlterms term"


@dataclass(frozen=True)
class Note:
    guid: str
    front: str
    back: str  # HTML: the definition bullets, aliases and see-also


def deck_name(glossary: Glossary) -> str:
    """The deck is named after the glossary's file: 'glossary', 'my-notes'."""
    return Path(glossary.path).stem or "mlterms"


def stable_id(text: str) -> int:
    """A stable 31-bit id for genanki's deck and model ids (Anki wants them fixed across exports)."""
    return (1 << 30) | zlib.crc32(text.encode("utf-8")) >> 2


def guid(entry: Entry) -> str:
    """The note's GUID: from the term's key, so that a re-import updates the note."""
    return f"mlterms:{key(entry.term)}"


def back(entry: Entry) -> str:
    items = "".join(f"<li>{html.escape(b)}</li>" for b in entry.definition)
    parts = [f"<ul>{items}</ul>"]
    if entry.aliases:
        parts.append(f"<p><i>also:</i> {html.escape(', '.join(entry.aliases))}</p>")
    if entry.see_also:
        parts.append(f"<p><i>see also:</i> {html.escape(', '.join(entry.see_also))}</p>")
    return "".join(parts)


def notes(glossary: Glossary) -> list[Note]:
    """One note per entry with a definition (the first of duplicate headings)."""
    seen: set[str] = set()
    found = []
    for entry in glossary.entries:
        if entry.definition and key(entry.term) not in seen:
            seen.add(key(entry.term))
            found.append(Note(guid(entry), html.escape(entry.term), back(entry)))
    return found


def csv_text(glossary: Glossary) -> str:
    """Anki's text import: header lines, then front, back and GUID, tab-separated."""
    buffer = io.StringIO()
    buffer.write(f"#separator:tab\n#html:true\n#notetype:Basic\n#deck:{deck_name(glossary)}\n")
    buffer.write("#columns:Front\tBack\tGUID\n#guid column:3\n")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    for note in notes(glossary):
        writer.writerow([note.front, note.back, note.guid])
    return buffer.getvalue()


def export(glossary: Glossary, path: Path, fmt: str) -> int:
    """Write the deck as `fmt` ('apkg' or 'csv'); returns the number of notes."""
    found = notes(glossary)
    if fmt == "csv":
        text = csv_text(glossary)
        replace_with(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        return len(found)
    import genanki  # type: ignore[import-untyped]

    model = genanki.Model(
        stable_id(MODEL_NAME),
        MODEL_NAME,
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
            }
        ],
    )
    name = deck_name(glossary)
    deck = genanki.Deck(stable_id(f"deck:{name}"), name)
    for note in found:
        deck.add_note(genanki.Note(model=model, fields=[note.front, note.back], guid=note.guid))
    replace_with(path, lambda tmp: genanki.Package(deck).write_to_file(tmp))
    return len(found)
