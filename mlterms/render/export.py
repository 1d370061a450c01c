"""Save demo reports as SVG or HTML, as a terminal shows them (`demo NAME --svg a.svg`).

They are always drawn by Rich at a fixed width, whatever stdout is: one recording console,
exported with clear=False so one run can write both formats. Files are written atomically
(a temp file in the same folder, fsync, os.replace), so a crash never leaves half a picture.
"""

from __future__ import annotations

import io
from pathlib import Path

from mlterms.demos.report import Report
from mlterms.files import umask_mode, write_atomic
from mlterms.render import Mode, Output

WIDTH = 100  # columns: wide enough for the reports, narrow enough for a slide


class Recording(Output):
    """A Rich Output that draws into memory, to be exported."""

    def __init__(self) -> None:
        super().__init__(Mode.RICH, width=WIDTH, tty=True)
        from rich.console import Console

        self._console = Console(
            file=io.StringIO(),
            record=True,
            width=WIDTH,
            force_terminal=True,
            color_system="truecolor",
            markup=False,
            highlight=False,
            emoji=False,
            soft_wrap=False,
        )

    def line(self, text: str = "") -> None:  # never reached by the Rich drawing, kept in the picture
        self.console.print(text, markup=False)


def problem(path: Path) -> str | None:
    """Why a picture cannot be written at path (None if it can be)."""
    if not path.parent.is_dir():
        return f"cannot write {path}: folder {path.parent} does not exist"
    if path.is_dir():
        return f"cannot write {path}: it is a folder"
    return None


def save(reports: list[Report], many: bool, targets: dict[str, Path], title: str) -> None:
    """Draw the reports (and the tally, when several ran) once; write each format asked for."""
    from mlterms.render import report as draw

    rec = Recording()
    for r in reports:
        draw.report(rec, r)
    if many:
        draw.tally(rec, reports)
    for kind, path in targets.items():
        if kind == "svg":
            body = rec.console.export_svg(title=title, clear=False)
        else:
            body = rec.console.export_html(clear=False, inline_styles=True)
        write_atomic(path, body, mode=umask_mode())  # readable as the umask allows, not 0600
