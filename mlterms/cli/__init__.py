"""The command line: a thin layer that parses options, calls the library and renders.

Each command group lives in its own module, registers itself on `common.registry` when imported,
and is imported only when needed (cli/app.py).
"""

import signal
import sys

from mlterms.cli.app import app
from mlterms.cli.common import INTERRUPTED

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `mlterms list | head -1`: die quietly like any Unix tool
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app(prog_name="mlterms")
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
