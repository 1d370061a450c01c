"""Writing the personal glossary: well-formed entries, every byte kept, atomic, locked, refusals."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from mlterms import notes
from mlterms.glossary import GlossaryError, bundled_path, parse
from mlterms.notes import AlreadyThere, BadEntry, Draft, NotesError


def entry_of(block: str):
    (entry,) = parse(block).entries
    return entry


# ----------------------------------------------------------------------------- the entry


def test_a_draft_is_written_as_an_entry_that_reads_back_as_itself():
    draft = Draft(
        "layer norm",
        ["normalizes each example over its features", "used in transformers"],
        ["ln", "layernorm"],
        ["batch normalization"],
        ["normalization"],
        ["https://arxiv.org/abs/1607.06450"],
    )
    text = draft.markdown()
    assert text.splitlines()[0] == "### what is layer norm"
    e = entry_of(text)
    assert (e.term, e.aliases, e.definition, e.see_also, e.builds_on, e.sources) == (
        draft.term, draft.aliases, draft.definition, draft.see_also, draft.builds_on, draft.sources,
    )  # fmt: skip


def test_a_term_that_what_is_would_change_gets_a_plain_heading():
    assert Draft("what is it", ["x"]).markdown().splitlines()[0] == "### what is what is it"
    assert entry_of(Draft("what is", ["x"]).markdown()).term == "what is"
    with pytest.raises(BadEntry, match="cannot be a heading"):
        Draft("a priori", ["x"]).markdown()  # 'a' would be read as an article


def test_the_term_meant_by_what_was_typed():
    assert notes.term_of("  what is a GAN? ") == "GAN"
    assert notes.term_of("What's dropout") == "dropout"
    assert notes.term_of("GAN?") == "GAN" and notes.term_of("a priori") == "a priori"


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (Draft("x", ["aka: y"]), "would read as a field"),
        (Draft("x", ["Source: mine"]), "would read as a field"),
        (Draft("x\ny", ["z"]), "line break"),
        (Draft("x", ["z"], aliases=["a\rb"]), "line break"),
    ],
)
def test_what_would_not_read_back_is_refused(draft, message):
    with pytest.raises(BadEntry, match=message):
        draft.markdown()


def test_lines_from_stdin_are_bullets_and_fields():
    lines = ["- first", "", "  * second  ", "see also: dropout, softmax", "aka: q", "source:", "third"]
    draft = notes.from_lines(lines, Draft("t", [], aliases=["given"]))
    assert draft.definition == ["first", "second", "third"]
    assert draft.aliases == ["given", "q"] and draft.see_also == ["dropout", "softmax"]
    assert draft.sources == []
    with pytest.raises(BadEntry, match="no definition"):
        notes.from_lines(["", "aka: q"], Draft("t", []))


def test_the_template_opens_at_its_empty_bullet_and_untouched_adds_nothing():
    text, line = notes.template(Draft("layer norm", [], aliases=["ln"], see_also=["dropout"]))
    assert text.splitlines()[line - 1] == "- "
    assert notes.from_template(text) is None
    written = text.replace("- \n", "- my words\n- builds on:\n", 1)
    block = notes.from_template(written)
    assert block == "### what is layer norm\n- aka: ln\n- my words\n- see also: dropout"
    with pytest.raises(BadEntry, match="one entry"):
        notes.from_template(written + "\n### what is more\n- x\n")


def test_an_entry_block_ends_at_the_next_heading_outside_fenced_code():
    text = (
        "\ufeff# t\n\n### what is a\n- x\n```\n### not a heading\n```\n  more\n\n\n## section\n### b\n- y\n"
    )
    assert notes.entry_block(text, 3) == "### what is a\n- x\n```\n### not a heading\n```\n  more"
    assert notes.entry_block(text, 12) == "### b\n- y"


# ----------------------------------------------------------------------------- every byte kept


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"# t\n\n### a\n- x\n", b"# t\n\n### a\n- x\n\n### b\n- y\n"),
        (b"# t\n\n### a\n- x\n\n", b"# t\n\n### a\n- x\n\n### b\n- y\n"),
        (b"# t\r\n\r\n### a\r\n- x\r\n", b"# t\r\n\r\n### a\r\n- x\r\n\r\n### b\r\n- y\r\n"),
        (b"### a\n- x", b"### a\n- x\n\n### b\n- y"),  # no final newline: still none
        (b"\xef\xbb\xbf### a\r- x\r", b"\xef\xbb\xbf### a\r- x\r\r### b\r- y\r"),
        (b"", b"### b\n- y\n"),
    ],
)
def test_appending_keeps_every_byte_and_the_files_line_breaks(old, new):
    assert notes.appended(old, "### b\n- y") == new


def test_append_writes_an_entry_at_the_end_and_says_where(tmp_path):
    path = tmp_path / "mine.md"
    old = "\ufeff# mine\r\n\r\n### what is a\r\n- x".encode()
    path.write_bytes(old)
    os.chmod(path, 0o640)
    written = notes.append(path, Draft("b", ["y"]).markdown())
    data = path.read_bytes()
    assert data.startswith(old) and data.endswith(b"- y") and b"\n\n" not in data.replace(b"\r\n", b"")
    assert written.entry.term == "b" and written.entry.line == 6
    assert parse(data.decode()).entries[1].line == 6
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.md"]  # no temp file, no lock file here


def test_a_missing_file_is_created_with_a_title_only_when_asked(tmp_path):
    path = tmp_path / "new" / "glossary.md"
    with pytest.raises(GlossaryError, match="no such file"):
        notes.append(path, "### b\n- y")
    written = notes.append(path, "### b\n- y", create=True)
    assert path.read_text() == f"{notes.TITLE}\n\n### b\n- y\n" and written.before is None


def test_a_name_already_in_the_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text("### what is layer norm\n- aka: ln\n- x\n")
    before = path.read_bytes()
    for block in ("### Layer-Norm\n- y", "### LN\n- y", "### other\n- aka: ln\n- y"):
        with pytest.raises(AlreadyThere) as caught:
            notes.append(path, block)
        assert str(caught.value) == f'already in {path}:1; use mlterms edit "layer norm"'
    assert path.read_bytes() == before


def test_a_file_ending_in_an_open_fence_is_not_appended_to(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text("### a\n- x\n```\ncode\n")
    with pytest.raises(NotesError, match="fenced code"):
        notes.append(path, "### b\n- y")
    assert path.read_text() == "### a\n- x\n```\ncode\n"


def test_a_symlinked_file_is_written_where_it_points_and_the_link_stays(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("### a\n- x\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    notes.append(link, "### b\n- y")
    assert link.is_symlink() and real.read_text().endswith("### b\n- y\n")


def test_the_shipped_glossary_is_never_a_target(tmp_path):
    link = tmp_path / "shipped.md"
    link.symlink_to(bundled_path())
    for path in (bundled_path(), link):
        with pytest.raises(NotesError, match="never written"):
            notes.append(path, "### b\n- y")


def test_undo_takes_back_only_an_untouched_write(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text("### a\n- x\n")
    written = notes.append(path, "### b\n- y")
    assert notes.undo(written) and path.read_text() == "### a\n- x\n"
    written = notes.append(path, "### b\n- y")
    path.write_text(path.read_text() + "- changed\n")
    assert not notes.undo(written) and "changed" in path.read_text()
    created = notes.append(tmp_path / "fresh.md", "### b\n- y", create=True)
    assert notes.undo(created) and not (tmp_path / "fresh.md").exists()


def test_a_failed_write_keeps_the_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "mine.md"
    path.write_text("### a\n- x\n")

    def crash(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(NotesError, match="cannot write it: No space left"):
        notes.append(path, "### b\n- y")
    assert path.read_text() == "### a\n- x\n" and [p.name for p in tmp_path.iterdir()] == ["mine.md"]


def add_many(path: str, first: int, count: int) -> None:
    for n in range(first, first + count):
        notes.append(Path(path), f"### term {n}\n- written by a racer")


@pytest.mark.skipif(os.name != "posix", reason="the lock is POSIX flock")
def test_concurrent_adds_all_land(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text("# mine\n")
    context = multiprocessing.get_context("fork")
    racers = [context.Process(target=add_many, args=(str(path), 10 * n, 10)) for n in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert [r.exitcode for r in racers] == [0, 0, 0, 0]
    terms = sorted(e.term for e in parse(path.read_text()).entries)
    assert terms == sorted(f"term {n}" for n in range(40))
