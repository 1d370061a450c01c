"""The Anki export: notes with stable GUIDs, the .apkg read back with sqlite3, the CSV header."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlterms import anki
from mlterms.cli import app
from mlterms.glossary import parse

from .quizdata import NOTES


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "my-notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return path


def export(notes, *args):
    return CliRunner().invoke(app, ["-g", str(notes), "export", *args])


def apkg_notes(path: Path, tmp: Path) -> list[tuple[str, str]]:
    """(guid, fields) of every note in a package, as a fresh Anki collection would hold them."""
    zipfile.ZipFile(path).extractall(tmp)
    with sqlite3.connect(tmp / "collection.anki2") as db:
        rows = db.execute("select guid, flds from notes order by guid").fetchall()
        decks = json.loads(db.execute("select decks from col").fetchone()[0])
    return rows, sorted(d["name"] for d in decks.values())


def test_apkg_has_one_note_per_entry_in_a_deck_named_after_the_glossary(notes, tmp_path):
    out = tmp_path / "deck.apkg"
    result = export(notes, str(out))
    assert result.exit_code == 0 and "Wrote 7 notes" in result.stdout
    rows, decks = apkg_notes(out, tmp_path / "a")
    glossary = parse(NOTES)
    asked = [e for e in glossary.entries if e.definition]
    assert len(rows) == len(asked) == 7 and "my-notes" in decks
    fields = dict(rows)
    front, back = fields["mlterms:dropout"].split("\x1f")
    assert front == "dropout" and "<li>inverted dropout scales the survivors</li>" in back
    assert "also:</i> dropout regularization" in back and "see also:</i> overfitting, regularization" in back
    assert not list(tmp_path.glob(".deck.apkg.*"))  # no temp file left


def test_re_exporting_an_edited_glossary_keeps_the_guids(notes, tmp_path):
    export(notes, str(tmp_path / "one.apkg"))
    notes.write_text(
        NOTES.replace("max(0, x)", "max(0, x), elementwise").replace("### what is relu", "### what is ReLU")
    )
    export(notes, str(tmp_path / "two.apkg"))
    one, _ = apkg_notes(tmp_path / "one.apkg", tmp_path / "1")
    two, _ = apkg_notes(tmp_path / "two.apkg", tmp_path / "2")
    assert [g for g, _ in one] == [g for g, _ in two]
    assert dict(one)["mlterms:relu"] != dict(two)["mlterms:relu"]  # same note, updated


def test_csv_is_anki_text_import(notes, tmp_path):
    out = tmp_path / "deck.csv"
    assert export(notes, str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[:4] == ["#separator:tab", "#html:true", "#notetype:Basic", "#deck:my-notes"]
    rows = list(csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t"))
    assert len(rows) == 7 and rows[0][0] == "dropout" and rows[0][2] == "mlterms:dropout"
    forced = tmp_path / "deck.txt"
    assert (
        export(notes, str(forced), "--format", "csv").exit_code == 0 and forced.read_text() == out.read_text()
    )


def test_bad_targets_are_one_line_errors(notes, tmp_path):
    missing = export(notes, str(tmp_path / "nope" / "deck.apkg"))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1 and "no such folder" in missing.stderr
    (tmp_path / "taken.csv").mkdir()
    taken = export(notes, str(tmp_path / "taken.csv"))
    assert (
        taken.exit_code == 2
        and taken.stderr.startswith("mlterms: cannot write")
        and taken.stderr.count("\n") == 1
    )
    unknown = export(notes, str(tmp_path / "deck.txt"))
    assert unknown.exit_code == 2 and "Traceback" not in unknown.output


def test_note_guids_come_from_the_term_key():
    glossary = parse("### Batch-Norm\n- a\n### batch norm\n- b\n### relu\n- c\n")
    assert [n.guid for n in anki.notes(glossary)] == ["mlterms:batchnorm", "mlterms:relu"]
