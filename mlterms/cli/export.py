"""The export command: the glossary as an Anki deck (.apkg or text-import .csv)."""

from __future__ import annotations

from pathlib import Path

import typer

from mlterms.cli.common import ERROR, FOUND, command, friendly, state


@command()
@friendly
def export(
    ctx: typer.Context,
    path: Path = typer.Argument(..., metavar="FILE", help="Where to write: FILE.apkg or FILE.csv."),
    fmt: str | None = typer.Option(None, "--format", "-f", help="apkg or csv, whatever FILE's extension."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Export the glossary as an Anki deck: one note per entry.

    The format follows FILE's extension (.apkg, a package; .csv, Anki's text import), or
    --format. Notes keep their identity across exports, so importing again updates them. The
    export is one-way: the markdown glossary stays the source of truth.

    Examples:

    \b
      mlterms export ml.apkg
      mlterms -g my-notes.md export notes.csv
      mlterms export deck.txt --format csv
    """
    from mlterms import anki

    chosen = (fmt or path.suffix.lstrip(".")).casefold()
    if chosen not in anki.FORMATS:
        ctx.fail(f"cannot tell the format of {path.name}: use .apkg or .csv, or --format apkg|csv")
    out = state(ctx).output(as_json)
    glossary = state(ctx).glossary()
    if not path.parent.is_dir():
        out.error(f"{path}: no such folder: {path.parent}")
        raise typer.Exit(ERROR)
    try:
        count = anki.export(glossary, path, chosen)
    except OSError as e:
        out.error(f"cannot write {path}: {(e.strerror or str(e)).lower()}")
        raise typer.Exit(ERROR) from None
    if out.is_json:
        out.json({"path": str(path), "format": chosen, "notes": count})
    else:
        out.say([f"Wrote {count} notes to {path} (deck '{anki.deck_name(glossary)}')."])
    raise typer.Exit(FOUND)
