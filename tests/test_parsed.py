"""parsed: the bundled glossary parsed ahead of time, used only while it matches the markdown."""

from __future__ import annotations

import marshal

import pytest

from mlterms import glossary, parsed
from mlterms.glossary import Entry, bundled_path, decode, load, parse, read_bytes

REGENERATE = "out of date: python -c 'from mlterms.glossary import write_parsed; write_parsed()'"


def parse_bundled():
    path = bundled_path()
    return parse(decode(path, read_bytes(path)), str(path))


def test_the_committed_parsed_form_is_what_the_parser_makes_of_the_bundled_glossary(monkeypatch):
    assert parsed.read(Entry.FIELDS, read_bytes(bundled_path())) is not None, REGENERATE
    expected = parse_bundled()
    monkeypatch.setattr(glossary, "parse", lambda *a: pytest.fail("parsed, not loaded"))
    assert load(bundled_path()) == expected


def test_loading_the_bundled_glossary_gives_what_parsing_it_gives():
    assert load(bundled_path()) == parse_bundled(), REGENERATE


def test_changed_bytes_or_other_fields_are_not_taken_from_the_parsed_form():
    data = read_bytes(bundled_path())
    edited = data.replace(b"### what is dropout", b"### what is dropit", 1)
    assert edited != data
    assert parsed.read(Entry.FIELDS, edited) is None
    assert parsed.read(Entry.FIELDS, data + b"\n") is None
    assert parsed.read((*Entry.FIELDS, "origin"), data) is None


@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated", "format", "missing"])
def test_a_missing_damaged_or_other_format_file_falls_back_to_parsing(tmp_path, monkeypatch, damage):
    blob = parsed.PARSED.read_bytes()
    fake = tmp_path / "glossary.parsed"
    contents = {
        "empty": b"",
        "garbage": b"not marshal",
        "truncated": blob[: len(blob) // 2],
        "format": marshal.dumps((parsed.FORMAT + 1, *marshal.loads(blob)[1:])),
    }
    if damage in contents:
        fake.write_bytes(contents[damage])
    monkeypatch.setattr(parsed, "PARSED", fake)
    assert parsed.read(Entry.FIELDS, read_bytes(bundled_path())) is None
    assert load(bundled_path()) == parse_bundled()


def test_values_that_do_not_fit_an_entry_fall_back_to_parsing(tmp_path, monkeypatch):
    fake = tmp_path / "glossary.parsed"
    form, fields, made_from, entries, stray, unspaced = marshal.loads(parsed.PARSED.read_bytes())
    fake.write_bytes(
        marshal.dumps((form, fields, made_from, [(*e, "extra") for e in entries], stray, unspaced))
    )
    monkeypatch.setattr(parsed, "PARSED", fake)
    assert load(bundled_path()) == parse_bundled()


def test_a_copy_of_the_bundled_glossary_elsewhere_is_parsed(tmp_path, monkeypatch):
    copy = tmp_path / "glossary.md"
    copy.write_bytes(read_bytes(bundled_path()))
    calls = []
    real = glossary.parse
    monkeypatch.setattr(glossary, "parse", lambda *a: calls.append(a) or real(*a))
    assert load(copy).path == str(copy) and calls


def test_write_parsed_round_trips(tmp_path, monkeypatch):
    monkeypatch.setattr(parsed, "PARSED", tmp_path / "glossary.parsed")
    glossary.write_parsed()
    assert parsed.read(Entry.FIELDS, read_bytes(bundled_path())) is not None
    assert load(bundled_path()) == parse_bundled()
