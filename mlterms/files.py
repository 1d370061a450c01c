"""Writing files that must never be lost: atomic replacement, and a lock to serialize writers.

  write_atomic(path, data)   temp file in the same folder, fsync, os.replace, fsync of the folder:
                             a crash leaves the old file or the new one, whole
  replace_with(path, write)  the same for a writer that fills a file it is given the name of
  locked(path)               an exclusive lock on `<path>.lock` (POSIX flock) while a writer
                             re-reads and writes
  remove_stale_temps(path)   the temp files of writes that died before their rename

The quiz state, the personal glossary and exported files are written through here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


def umask_mode() -> int:
    """The permission bits a new file gets from open(): 0o666 less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` (str is written as UTF-8, byte for byte: no newline translation)
    so that a crash leaves either the old or the new file, whole. The folder must exist. `mode`
    sets the new file's permission bits; None keeps mkstemp's private 0o600."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    replace_with(path, lambda tmp: Path(tmp).write_bytes(body), mode)


def replace_with(path: Path, write: Callable[[str], object], mode: int | None = None) -> None:
    """write_atomic for a writer that wants a file name (genanki): write(temp path) fills a temp
    file beside `path`, which is then fsynced, given `mode`, and renamed over `path`."""
    import tempfile  # only writers pay for it (about 2 ms)

    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sync_dir(path.parent)


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temp files of writes that died before their rename. Call only under the lock:
    then no write is running, and every `.<name>.*.tmp` is stale. Returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for stale in path.parent.glob(f"{temp_prefix(path)}*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
                removed.append(stale)
    return removed


def sync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories can't be opened."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `<path>.lock` (POSIX flock; no lock where unavailable)."""
    try:
        import fcntl  # POSIX only
    except ImportError:  # Windows: writes are still atomic, just not serialized
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
