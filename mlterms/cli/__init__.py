"""The command line: a thin layer that parses options, calls the library and renders.

Each command group lives in its own module, registers itself on `common.registry` when imported,
and is imported only when needed (cli/app.py).
"""

import os
import signal
import sys
from typing import NoReturn

from mlterms.cli.app import app
from mlterms.cli.common import ERROR, INTERRUPTED
from mlterms.process import end

__all__ = ["app", "main", "run"]


def main() -> NoReturn:
    """Console-script entry point: run the command, then end the process (process.end)."""
    end(run())


def run() -> int:
    """Run the command of sys.argv; its exit status. Tests that look at the process afterwards
    call this instead of main()."""
    if hasattr(signal, "SIGPIPE"):  # `mlterms list | head -1`: die quietly like any Unix tool
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app(prog_name="mlterms")
        code = 0
    except SystemExit as e:  # how every command ends (Typer's standalone mode)
        code = exit_code(e.code)
    except KeyboardInterrupt:
        code = INTERRUPTED
    except Exception as e:  # a bug: one line, not a traceback (MLTERMS_DEBUG=1 shows it)
        if os.environ.get("MLTERMS_DEBUG"):
            raise
        detail = f"{type(e).__name__}: {e}".splitlines()[0][:200]
        print(f"mlterms: internal error: {detail} (MLTERMS_DEBUG=1 shows where)", file=sys.stderr)
        code = ERROR
    return code


def exit_code(code: object) -> int:
    """The status sys.exit(code) would give: None is 0, an int itself, anything else is printed
    to stderr and gives 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
