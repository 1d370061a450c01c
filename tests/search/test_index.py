"""The index: what goes into it, the name keys, and the cache files (reuse, damage, pruning, GC)."""

from __future__ import annotations

import gc
import os
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import Entry, Glossary, parse
from mlterms.names import key
from mlterms.names import keys as name_keys
from mlterms.search import index, search, search_text
from mlterms.search.index import NameKeys, rows_digest, rows_of, split_aliases

from .conftest import GLOSSARY, index_files, terms


def test_rows_are_numbered_in_order_from_1():
    rows = rows_of(parse(GLOSSARY).entries)
    con = index.build(sqlite3.connect(":memory:"), rows, "test")
    numbered = con.execute(
        "SELECT rowid, term, aliases, body, see, builds FROM docs ORDER BY rowid"
    ).fetchall()
    assert numbered == [(n, *row) for n, row in enumerate(rows, start=1)]


def test_rows_keep_one_bullet_a_line_and_scrub_markers():
    entry = Entry(
        "a\ue000b",
        1,
        aliases=["x", "y"],
        definition=["one", "two \ue001"],
        see_also=["s", "t"],
        builds_on=["u"],
    )
    assert rows_of([entry]) == [("a\ufffdb", "x, y", "one\ntwo \ufffd", "s, t", "u")]


NAMES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="aAnN eEhHtTwWisr?!.-_\t", max_size=12),  # 'what is', articles, separators
    st.sampled_from(["a b", "the softmax", "What is a GAN?", "One-Shot_Learning?", "x?-", "an", "naïve"]),
)


@settings(max_examples=300, deadline=None)
@given(names=st.lists(NAMES, max_size=8))
def test_bulk_name_keys_are_lookup_keys(names):
    assert name_keys(names) == [key(name) for name in names]


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.lists(NAMES, min_size=1, max_size=4), max_size=6), probe=NAMES)
def test_name_keys_find_what_brute_force_finds(entries, probe):
    rows = [(names[0], ", ".join(n for n in names[1:] if n), "", "") for names in entries]
    names = NameKeys.of_rows(rows)
    assert names.text.count("\n") == max(len(rows) - 1, 0)
    expected = {}
    for rowid, row in enumerate(rows, start=1):
        for pos, name in enumerate([row[0], *split_aliases(row[1])]):
            if key(name) and key(name) == key(probe):
                expected.setdefault(rowid, pos)
    assert names.find([key(probe)]) == expected
    assert list(names.lines()) == [
        (n, [key(name) for name in [row[0], *split_aliases(row[1])]]) for n, row in enumerate(rows, start=1)
    ]


def test_name_keys_find_nothing_for_keys_no_name_can_have():
    names = NameKeys.of_rows([("?", "", "", ""), ("a", "b", "", "")])  # '?' has the empty key
    assert names.find(["", "a\tb", "a\nb"]) == {}
    assert names.find(["b", "a"]) == {2: 0}


def test_rows_digest_tells_apart_rows_that_join_the_same():
    one = [("a\x1f", "", "", "", "")]
    other = [("a", "", "", "", "\x1f")]  # joined with \x1f between columns, both are 'a' + 5 x \x1f
    assert rows_digest(one) != rows_digest(other)
    assert rows_digest(one) == rows_digest([("a\x1f", "", "", "", "")])
    assert rows_digest([("a", "b", "", "", "")]) != rows_digest([("a", "", "b", "", "")])


def test_glossaries_whose_rows_join_the_same_get_their_own_index(cached):
    first = Glossary([Entry("zebra\x1f", 1)])
    second = Glossary([Entry("zebra", 1, see_also=["\x1f"])])
    assert terms(search(first, "zebra")) == ["zebra\x1f"]
    assert terms(search(second, "zebra")) == ["zebra"]


# ----------------------------------------------------------------------------- the cache


def test_changed_content_invalidates(cached, cache):
    before = search_text(GLOSSARY, "dropout")
    changed = GLOSSARY.replace("### what is spatial dropout", "### what is alpha dropout")
    after = search_text(changed, "dropout")
    assert "spatial dropout" in terms(before) and "spatial dropout" not in terms(after)
    assert "alpha dropout" in terms(after)
    g = parse(changed)
    g.entries[0].definition.append("brand new bullet about zebras")  # edited in memory
    assert terms(search(g, "zebras")) == ["dropout"]


def test_corrupt_cache_file_is_rebuilt(cached, cache):
    expected = search_text(GLOSSARY, "prevent overfitting")
    [name] = index_files(cache)
    (cache / name).write_bytes(b"this is not an sqlite database" * 100)
    assert search_text(GLOSSARY, "prevent overfitting") == expected
    count = sqlite3.connect(cache / name).execute("SELECT count(*) FROM docs").fetchone()
    assert count == (len(parse(GLOSSARY).entries),)
    (cache / name).write_bytes(b"")
    assert search_text(GLOSSARY, "prevent overfitting") == expected


def test_damaged_index_inside_a_valid_file_is_rebuilt(cached, cache):
    expected = search_text(GLOSSARY, "dropout")
    [name] = index_files(cache)
    con = sqlite3.connect(cache / name)
    con.execute("DROP TABLE docs")
    con.commit()
    con.close()
    assert search_text(GLOSSARY, "dropout") == expected


def test_cache_file_for_other_content_is_not_trusted(cached, cache):
    expected = search_text(GLOSSARY, "dropout")
    [name] = index_files(cache)
    other = "### what is zebra\n- a striped horse\n"
    search_text(other, "zebra")
    [other_name] = [n for n in index_files(cache) if n != name]
    os.replace(cache / other_name, cache / name)  # the right name, the wrong index
    assert search_text(GLOSSARY, "dropout") == expected


def test_unwritable_cache_dir_still_works(cached, tmp_path, monkeypatch, glossary):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MLTERMS_CACHE", str(blocker / "cache"))
    expected = terms(search(parse(GLOSSARY), "prevent overfitting"))
    assert terms(search_text(GLOSSARY, "prevent overfitting")) == expected
    assert terms(search(glossary, "prevent overfitting")) == expected


def test_failed_write_leaves_no_temp_file(cached, cache, monkeypatch):
    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(index.os, "replace", refuse)
    assert terms(search_text(GLOSSARY, "dropout"))[0] == "dropout"
    assert index_files(cache) == []


def test_failed_build_into_the_cache_file_falls_back_to_memory(cached, cache, monkeypatch):
    real_build, calls = index.build, []

    def disk_full_once(con, rows, meta):
        calls.append(meta)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real_build(con, rows, meta)

    monkeypatch.setattr(index, "build", disk_full_once)
    assert terms(search_text(GLOSSARY, "dropout"))[0] == "dropout"
    assert len(calls) == 2 and index_files(cache) == []


def test_cold_build_pauses_gc_and_restores_it(cached, monkeypatch):
    seen = []
    real_build = index.build

    def build(con, rows, meta):
        seen.append(gc.isenabled())
        return real_build(con, rows, meta)

    monkeypatch.setattr(index, "build", build)
    assert gc.isenabled()
    search_text(GLOSSARY, "dropout")
    assert seen == [False] and gc.isenabled()

    monkeypatch.setattr(index, "build", lambda *a: pytest.fail("boom"))
    with pytest.raises(pytest.fail.Exception):
        search_text(GLOSSARY + "\n", "dropout")
    assert gc.isenabled()
    monkeypatch.setattr(index, "build", build)
    gc.disable()  # a caller's choice is kept
    try:
        search_text(GLOSSARY + "\n\n", "dropout")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_old_index_files_are_pruned(cached, cache):
    for i in range(index.KEEP_FILES + 3):
        search_text(GLOSSARY + f"\n### what is extra {i}\n", "dropout")
    names = index_files(cache)
    assert len(names) == index.KEEP_FILES
    assert not [n for n in names if n.endswith(".tmp")]
    newest = search_text(GLOSSARY + "\n### what is extra 0\n", "dropout")  # pruned: built again
    assert newest and len(index_files(cache)) == index.KEEP_FILES


def test_temp_files_of_dead_builds_are_removed_once_stale(cached, cache):
    cache.mkdir(parents=True)
    stale, fresh = cache / ".search-1-1.tmp", cache / ".search-2-2.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half an index")
    old = time.time() - index.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    search_text(GLOSSARY, "dropout")  # a build prunes
    assert stale.name not in index_files(cache) and fresh.name in index_files(cache)


def test_default_cache_dir_is_the_user_cache_dir(monkeypatch):
    from platformdirs import user_cache_dir

    monkeypatch.delenv("MLTERMS_CACHE")
    assert index.cache_dir() == Path(user_cache_dir("mlterms"))


def test_the_file_fingerprint_changes_with_any_one_byte_and_with_order():
    from mlterms.search.index import bytes_digest, text_digest

    data = ("### what is dropout\n- zeroes units at random\n" * 50).encode()
    seen = {bytes_digest(data)}
    for at in range(0, len(data), 97):
        changed = data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]
        seen.add(bytes_digest(changed))
    swapped = data[:3] + data[4:5] + data[3:4] + data[5:]  # '### w' -> '###w '
    seen.add(bytes_digest(swapped))
    assert len(seen) == len(range(0, len(data), 97)) + 2
    assert bytes_digest(data) == text_digest(data.decode())


def test_a_warm_search_of_a_file_does_not_import_hashlib(tmp_path):
    import subprocess
    import sys

    from .conftest import big_glossary

    path = tmp_path / "big.md"
    path.write_text(big_glossary(500), encoding="utf-8")
    code = (
        "import sys\n"
        "from mlterms.search import search_file\n"
        f"search_file({str(path)!r}, 'gradient')\n"
        "print('hashlib' in sys.modules or '_hashlib' in sys.modules)\n"
    )
    env = {"MLTERMS_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-c", code]
    subprocess.run(run, env=env, check=True, capture_output=True)  # cold: builds the index
    assert subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout.strip() == "False"
