"""The command line: a thin layer that parses options, calls the library and renders.

Each command group lives in its own module and registers itself on `app` when imported.
"""

import signal
import sys

from mlterms.cli import commands, demo, quiz  # noqa: F401  (importing registers the commands)
from mlterms.cli.app import INTERRUPTED, app


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `mlterms list | head -1`: die quietly like any Unix tool
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app(prog_name="mlterms")
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
