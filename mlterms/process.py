"""How the process ends, and whether it may fork.

After a command has done its work and written its output, a normal Python exit tears down every
imported module and frees every object. That costs a command that imported Typer 25-40 ms, and a
demo, which imported torch, several hundred ms. The user waits for it and gets nothing from it.

So the CLI ends with end(code). It flushes stdout and stderr and runs the atexit handlers, as a
normal exit would. Then it leaves with os._exit, which skips the teardown. Files are never left
to the teardown: every write in mlterms is closed (and fsynced) before its command returns.
end() exits the normal way when MLTERMS_DEBUG is set, or when other threads run. (A normal exit
would wait for those threads.)

A leaf module: it imports nothing from mlterms.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def single_threaded() -> bool:
    """No thread but this one. A fork copies only the calling thread, so a lock another thread
    held (of a file, of logging, of an import) would stay locked in the child for good."""
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def end(code: int) -> NoReturn:
    """Exit with `code` once the output is flushed and the atexit handlers have run, skipping
    the interpreter's teardown (see the module doc)."""
    if os.environ.get("MLTERMS_DEBUG") or not single_threaded():
        sys.exit(code)
    flush()
    atexit._run_exitfuncs()  # what a normal exit runs first: e.g. logging and tempfile clean-up
    flush()
    os._exit(code)


def flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
