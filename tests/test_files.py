"""Atomic writes keep every byte and the old file on failure; the lock serializes writers."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from mlterms import files


def test_write_atomic_writes_the_bytes_as_given(tmp_path):
    path = tmp_path / "notes.md"
    files.write_atomic(path, "\ufeff# notes\r\n\r\n### x\r\n- y")
    assert path.read_bytes() == "\ufeff# notes\r\n\r\n### x\r\n- y".encode()
    files.write_atomic(path, b"\xef\xbb\xbfraw\r")
    assert path.read_bytes() == b"\xef\xbb\xbfraw\r"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]


def test_write_atomic_sets_the_mode_it_is_given(tmp_path):
    path = tmp_path / "notes.md"
    files.write_atomic(path, "a", mode=0o640)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    files.write_atomic(path, "b")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "notes.md"
    path.write_text("old")

    def crash(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        files.write_atomic(path, "new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["notes.md"]


def test_stale_temps_are_only_those_of_the_file(tmp_path):
    path = tmp_path / "notes.md"
    mine = tmp_path / ".notes.md.abc.tmp"
    other = tmp_path / ".other.md.abc.tmp"
    mine.write_text("half")
    other.write_text("half")
    assert files.remove_stale_temps(path) == [mine]
    assert other.exists() and not mine.exists()


def test_umask_mode_follows_the_umask():
    old = os.umask(0o027)
    try:
        assert files.umask_mode() == 0o640
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_the_lock_lets_one_writer_in_at_a_time(tmp_path):
    path = tmp_path / "notes.md"
    inside, overlaps = [0], []

    def writer():
        with files.locked(path):
            inside[0] += 1
            overlaps.append(inside[0])
            time.sleep(0.02)
            inside[0] -= 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [1, 1, 1, 1]


def test_replace_with_fsyncs_what_the_writer_wrote_then_renames(tmp_path, monkeypatch):
    path = tmp_path / "deck.apkg"
    path.write_bytes(b"old")
    synced, real_fsync = [], os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: synced.append(os.fstat(fd).st_size) or real_fsync(fd))
    files.replace_with(path, lambda tmp: Path(tmp).write_bytes(b"new deck"))
    assert path.read_bytes() == b"new deck"
    assert synced[0] == len(b"new deck")  # the file's bytes, before the rename (then the folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]


def test_replace_with_a_failing_writer_keeps_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "deck.apkg"
    path.write_bytes(b"old")

    def fail(tmp):
        Path(tmp).write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.replace_with(path, fail)
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]
