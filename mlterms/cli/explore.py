"""The explore command: the glossary full-screen, in a Textual app (mlterms/explore/).

Everything that can fail is checked before the screen changes: the glossary, the term asked for,
and that stdin and stdout are a terminal. Textual is imported only after that, and only here.
"""

from __future__ import annotations

import os
import sys

import typer

from mlterms.cli.common import ERROR, NOT_FOUND, command, complete_term, friendly, miss_message, state

FIRST_PAINT = "MLTERMS_EXPLORE_FIRST_PAINT"  # set to 1: exit once the term list is drawn (benchmark)


@command()
@friendly
def explore(
    ctx: typer.Context,
    term: list[str] | None = typer.Argument(
        None, metavar="[TERM]", autocompletion=complete_term, help="A term or alias to open first."
    ),
) -> None:
    """Explore the glossary full-screen: definitions and their links, demos with knobs,
    exercises, reading orders and the quiz, in one place.

    The term list is on the left (/ filters it, Enter opens a term); tabs on the right show the
    definition, the demo (d), its exercises (e), the reading order (p) and the quiz (z). Links
    open other terms; Backspace goes back. ? lists every key; q quits.

    Examples:

    \b
      mlterms explore
      mlterms explore attention
      mlterms -g my-notes.md explore
    """
    from mlterms.lookup import resolve

    glossary = state(ctx).glossary()
    out = state(ctx).output()
    start = None
    if term:
        words = " ".join(term)
        entry = resolve(glossary, words)
        if entry is None:
            out.error(miss_message(glossary, words))
            raise typer.Exit(NOT_FOUND)
        start = entry.term
    if not all(stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr)):  # Textual draws on stderr
        out.error(
            "explore needs a terminal: run it with stdin, stdout and stderr on a terminal, not redirected"
        )
        raise typer.Exit(ERROR)
    from mlterms.demos.registry import names
    from mlterms.explore.app import run
    from mlterms.explore.model import Atlas

    code = run(Atlas(glossary, names()), start, first_paint=os.environ.get(FIRST_PAINT) == "1")
    raise typer.Exit(code and ERROR)
