"""How the process ends: output flushed and atexit handlers run, then os._exit; or a normal exit."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from mlterms import process

SCRIPT = """
import atexit, sys
from mlterms.process import end

class Noisy:
    def __del__(self):
        print("teardown ran", flush=True)

kept = Noisy()  # a module global: only the interpreter's teardown deletes it
atexit.register(lambda: print("atexit ran", end=""))
sys.stdout.write("output, unflushed;")
sys.stderr.write("error text, unflushed")
end(int(sys.argv[1]))
"""


def ended(code: int, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(code)], capture_output=True, text=True, timeout=60, env=env or None
    )


def test_end_flushes_runs_atexit_and_skips_the_teardown():
    done = ended(3)
    assert done.returncode == 3
    assert done.stdout == "output, unflushed;atexit ran" and done.stderr == "error text, unflushed"


def test_with_mlterms_debug_the_exit_is_a_normal_one(tmp_path):
    import os

    done = ended(0, **{**os.environ, "MLTERMS_DEBUG": "1"})
    assert done.returncode == 0 and "teardown ran" in done.stdout and "atexit ran" in done.stdout


def test_with_another_thread_running_it_raises_systemexit():
    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        assert not process.single_threaded()
        with pytest.raises(SystemExit) as exited:
            process.end(4)
        assert exited.value.code == 4
    finally:
        release.set()
        waiting.join()
    assert process.single_threaded()


def test_the_cli_ends_with_its_commands_status_and_output():
    for args, status in [(["define", "dropout"], 0), (["define", "zzzqqx"], 1), (["nosuchcommand"], 2)]:
        done = subprocess.run(
            [sys.executable, "-m", "mlterms", *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == status, done.stderr
        assert (done.stdout if status == 0 else done.stderr).strip()
