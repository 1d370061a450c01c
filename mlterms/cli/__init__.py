"""The command line: a thin layer that parses options, calls the library and renders.

Each command group lives in its own module, registers itself on `common.registry` when imported,
and is imported only when needed (cli/app.py).
"""

import os
import signal
import sys

from mlterms.cli.app import app
from mlterms.cli.common import ERROR, INTERRUPTED

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `mlterms list | head -1`: die quietly like any Unix tool
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app(prog_name="mlterms")
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    except Exception as e:  # a bug: one line, not a traceback (MLTERMS_DEBUG=1 shows it)
        if os.environ.get("MLTERMS_DEBUG"):
            raise
        detail = f"{type(e).__name__}: {e}".splitlines()[0][:200]
        print(f"mlterms: internal error: {detail} (MLTERMS_DEBUG=1 shows where)", file=sys.stderr)
        sys.exit(ERROR)
