"""A progress bar on stderr while many demos run (`demo --all`): done/total, the current demo,
the time elapsed. It shows only where stderr is a terminal, so `demo --all | grep FAIL` still has
one, and vanishes when the run is done. While it shows, anything written to stdout or stderr
is printed above it, so reports and error lines never tear it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from mlterms.render import Output


class Bar:
    """What the run loop calls: start(name) before a demo, done() after it."""

    def __init__(self, progress=None, task=None) -> None:
        self.progress, self.task = progress, task

    def start(self, name: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=name)

    def done(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)


def stderr_is_terminal() -> bool:
    return sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


@contextlib.contextmanager
def running(out: Output, total: int, wanted: bool) -> Iterator[Bar]:
    """A Bar that draws when wanted, stderr is a terminal and no JSON is asked for; else a silent one."""
    if not wanted or out.is_json or not stderr_is_terminal():
        yield Bar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    to_tty = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
    # stdout on the same terminal: draw there, so the reports scroll above the bar
    console = (
        (out.console if out.rich else Console(file=sys.stdout))
        if to_tty
        else Console(file=sys.stderr, force_terminal=True)
    )
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(
        *columns, console=console, transient=True, redirect_stdout=to_tty, redirect_stderr=True
    ) as progress:
        yield Bar(progress, progress.add_task("", total=total))
