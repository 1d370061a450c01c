"""The two-process build of a big glossary's index: where it cuts, and that its file is the one
index.build makes from all rows, or that the index is built alone when it can't be."""

from __future__ import annotations

import os
import sqlite3
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import parse
from mlterms.search import forked, index, search_text

from .conftest import GLOSSARY, big_glossary, index_files, terms

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the forked build is Linux-only")


@pytest.fixture
def small_is_big(monkeypatch):
    """Every glossary is big enough for the cache file and for the forked build."""
    import mlterms.search as search_package

    monkeypatch.setattr(search_package, "SMALL_ENTRIES", 0)
    monkeypatch.setattr(search_package, "SMALL_BYTES", 0)
    monkeypatch.setattr(forked, "MIN_CHARS", 0)


def contents(path) -> tuple[list[tuple], list[tuple]]:
    con = sqlite3.connect(path)
    try:
        docs = con.execute(
            "SELECT rowid, term, aliases, body, see, builds FROM docs ORDER BY rowid"
        ).fetchall()
        return docs, con.execute("SELECT k, v FROM meta ORDER BY k").fetchall()
    finally:
        con.close()


def names_of(text: str) -> list[tuple]:
    """What search indexes of each entry, in order: all that must survive a cut."""
    return index.rows_of(parse(text).entries)


LINES = st.sampled_from(
    [
        "### what is dropout",
        "### what is a GAN?",
        "### ",
        "###",
        "## a section",
        "# title",
        "- aka: x, y",
        "- see also: dropout",
        "- builds on: gan",
        "- source: a paper",
        "- a bullet",
        "  continued text",
        "plain text",
        "",
        "* star bullet",
        "###unspaced",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=40), st.lists(st.floats(0, 1), max_size=4), st.sampled_from(["\n", "\r\n"]))
def test_the_parts_of_a_cut_text_have_the_entries_of_the_whole(lines, shares, newline):
    text = newline.join(lines)
    found = forked.cuts(text, sorted(shares))
    if found is None:
        return
    assert found == sorted(set(found)) and all(
        text[k - 1] == "\n" and text[k:].startswith("### ") for k in found
    )
    parts = [text[a:b] for a, b in zip([0, *found], [*found, len(text)], strict=True)]
    assert [row for part in parts for row in names_of(part)] == names_of(text)


def test_a_text_with_a_fence_is_never_cut():
    text = "### what is a\n- one\n```\n### not a heading\n```\n### what is b\n- two\n"
    assert forked.cuts(text, [0.3]) is None
    assert forked.cuts(text.replace("```", "~~~"), [0.3]) is None
    unfenced = text.replace("```", "-")  # now '### not a heading' is one, and the first from 30%
    assert forked.cuts(unfenced, [0.3]) == [unfenced.index("### not a heading")]


def test_cuts_are_at_the_first_heading_from_each_share():
    text = big_glossary(10)
    at = [text.index(f"### what is term {i}\n") for i in (3, 5)]  # 50% is where term 5 starts
    assert forked.cuts(text, [0.25, 0.5]) == at
    assert forked.cuts(text, [0.25, 0.26, 0.5]) == at  # two shares before one heading: one cut
    assert forked.cuts(text, [0.99]) is None  # no heading after it


def test_the_forked_file_is_the_one_index_build_makes(tmp_path, monkeypatch):
    monkeypatch.setattr(forked, "MIN_CHARS", 0)
    text = (
        big_glossary(300)
        + "### what is dropout\n- aka: drop out, dilution\n- see also: term 3\n- zeroes units\n"
    )
    assert forked.fill(tmp_path / "forked.sqlite", text, "meta")
    alone = index.build(index.new_file(tmp_path / "alone.sqlite"), index.rows_of(parse(text).entries), "meta")
    alone.close()
    docs, meta = contents(tmp_path / "forked.sqlite")
    assert (docs, meta) == contents(tmp_path / "alone.sqlite")
    assert len(docs) == 301 and docs[-1][1] == "dropout"
    assert dict(meta)["names"].count("\n") == 300  # a line of name keys for every entry


def test_a_search_through_the_forked_build_answers_as_one_built_alone(small_is_big, cache, monkeypatch):
    real_fill, filled = forked.fill, []
    monkeypatch.setattr(forked, "fill", lambda *args: filled.append(real_fill(*args)) or filled[-1])
    text = big_glossary(200) + GLOSSARY
    cold = search_text(text, "prevent overfitting")
    assert filled == [True] and index_files(cache) and terms(cold)[:2] == ["dropout", "regularization"]
    assert search_text(text, "prevent overfitting") == cold  # warm, from the file
    monkeypatch.setattr(forked, "MIN_CHARS", 10**12)
    monkeypatch.setenv("MLTERMS_CACHE", str(cache.parent / "other"))
    assert search_text(text, "prevent overfitting") == cold


def test_a_failing_child_leaves_the_build_to_the_parent(small_is_big, cache, monkeypatch):
    def fail(*args):
        raise sqlite3.OperationalError("disk full")

    monkeypatch.setattr(forked, "child", fail)
    text = big_glossary(200) + GLOSSARY
    assert not forked.fill(cache.parent / "x.sqlite", text, "meta")
    assert terms(search_text(text, "dropout"))[0] == "dropout"
    assert [f for f in index_files(cache) if not f.endswith(".sqlite")] == []


def test_not_on_linux_or_when_small_the_parent_builds_alone(tmp_path, monkeypatch):
    text = big_glossary(200)
    assert not forked.fill(tmp_path / "x", text, "meta")  # smaller than MIN_CHARS
    monkeypatch.setattr(forked, "MIN_CHARS", 0)
    monkeypatch.setattr(forked.sys, "platform", "darwin")
    assert not forked.fill(tmp_path / "x", text, "meta")
    assert not (tmp_path / "x").exists()


def test_with_another_thread_running_the_parent_builds_alone(tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(forked, "MIN_CHARS", 0)
    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        assert not forked.fill(tmp_path / "x", big_glossary(200), "meta")
    finally:
        release.set()
        waiting.join()
    assert forked.fill(tmp_path / "y", big_glossary(200), "meta")


def test_an_interrupt_in_the_parent_stops_the_child_and_leaves_no_file(small_is_big, cache, monkeypatch):
    real_parse, calls = forked.parse, []

    def interrupted(text):
        calls.append(os.getpid())
        if len(calls) == 2:  # the parent's second piece (the child's own parse is not counted here)
            raise KeyboardInterrupt
        return real_parse(text)

    monkeypatch.setattr(forked, "parse", interrupted)
    with pytest.raises(KeyboardInterrupt):
        search_text(big_glossary(400) + GLOSSARY, "dropout")
    assert index_files(cache) == []
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was reaped
