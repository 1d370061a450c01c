"""The glossary commands: define, list, search, path, check."""

from datetime import datetime, timezone

import typer

from mlterms import links
from mlterms.cli.common import (
    ERROR,
    FOUND,
    JSON,
    NOT_FOUND,
    at_most,
    command,
    complete_term,
    demo_keys,
    friendly,
    miss_message,
    on_terminal,
    state,
    with_entries,
)
from mlterms.glossary import load
from mlterms.lookup import find
from mlterms.render import entries as draw


@command()
@friendly
def define(
    ctx: typer.Context,
    terms: list[str] = typer.Argument(..., metavar="TERM...", autocompletion=complete_term),
    as_json: bool = JSON,
) -> None:
    """Show the definition of one or more terms.

    Matching forgives case, articles, plurals, hyphens and 'what is'; aliases work too.
    Words join into the longest term they name; a comma ends a term
    (define batch, normalization asks for two). One argument is always one term.
    A miss exits 1 and suggests near spellings and longer names.
    With --json: an object when one term is asked, else an array.

    Examples:

    \b
      mlterms define dropout
      mlterms define batch normalization softmax
      mlterms define batch, normalization
      mlterms define bn --json | jq -r '.definition[]'
    """
    glossary = state(ctx).glossary()
    asked = find(glossary, terms)
    entries = list({id(a.entry): a.entry for a in asked if a.entry}.values())
    out = state(ctx).output(as_json)
    for miss in dict.fromkeys(a.text for a in asked if not a.found):
        out.error(miss_message(glossary, miss))
    if entries or (len(asked) > 1 and out.is_json):  # JSON: an array for several asked
        used_by = links.of(glossary).used_by
        draw.define(out, glossary, entries, demo_keys(), used_by, many=len(asked) > 1)
    raise typer.Exit(FOUND if all(a.found for a in asked) else NOT_FOUND)


@command("list")
@friendly
def list_terms(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List every term: one per line when piped, a table on a terminal.

    Examples:

    \b
      mlterms list
      mlterms list | fzf --preview 'mlterms define {}'
      mlterms list --json | jq length
    """
    glossary = state(ctx).glossary()
    draw.listing(state(ctx).output(as_json), glossary, demo_keys())
    raise typer.Exit(FOUND)


@command()
@friendly
def search(
    ctx: typer.Context,
    query: list[str] = typer.Argument(..., metavar="QUERY..."),
    limit: int = typer.Option(
        10, "--limit", "-n", min=1, callback=at_most, help="Show at most this many results."
    ),
    as_json: bool = JSON,
) -> None:
    """Ranked full-text search over names, aliases and definitions.

    Stems words (overfit finds overfitting) and forgives typos in term names.
    Exits 1 when nothing matches (on a terminal, with a line on stderr saying so).

    Examples:

    \b
      mlterms search prevent overfitting
      mlterms search loss --json | jq -r '.[].term'
      mlterms search normalizing --limit 3
    """
    from mlterms.glossary import read_text
    from mlterms.render.search import hits as draw_hits
    from mlterms.search import search_text

    # From the raw text: a warm index cache then answers without parsing the glossary at all.
    words = " ".join(query)
    found = search_text(read_text(state(ctx).path()), words, limit=limit)
    if not found:
        state(ctx).glossary()  # no hit in a glossary with no entries says so
    out = state(ctx).output(as_json)
    draw_hits(out, found)
    if not found and on_terminal(out):  # piped, silent like grep
        out.error(f"no results for '{words}'")
    raise typer.Exit(FOUND if found else NOT_FOUND)


@command()
@friendly
def path(
    ctx: typer.Context,
    term: list[str] = typer.Argument(..., metavar="TERM", autocompletion=complete_term),
    as_json: bool = JSON,
) -> None:
    """Print a reading order for TERM: everything it builds on, first things first.

    Follows the 'builds on:' lists transitively; each term comes after everything it
    builds on, and TERM comes last. Marks the terms that have a demo, and those the quiz
    has seen that are not due ('known'). A 'builds on' cycle is an error (exit 2).

    Examples:

    \b
      mlterms path transformer
      mlterms path transformer | xargs -I{} mlterms define {}
      mlterms path attention --json | jq -r '.[] | select(.known | not) | .term'
    """
    from mlterms.lookup import resolve
    from mlterms.quiz.state import Progress, ProgressError
    from mlterms.render.path import reading_order, steps

    glossary = state(ctx).glossary()
    words = " ".join(term)
    entry = resolve(glossary, words)
    out = state(ctx).output(as_json)
    if entry is None:
        out.error(miss_message(glossary, words))
        raise typer.Exit(NOT_FOUND)
    found = links.of(glossary)
    try:
        order = links.reading_order(found, entry.term)
        progress = Progress.open()
    except (links.CycleError, ProgressError) as e:
        out.error(str(e))
        raise typer.Exit(ERROR) from None
    reading_order(out, steps(order, found.builds_on, demo_keys(), progress, datetime.now(timezone.utc)))
    raise typer.Exit(FOUND)


@command()
@friendly
def check(
    ctx: typer.Context,
    path: str | None = typer.Argument(
        None, metavar="[PATH]", help="Glossary file (default: the one in use)."
    ),
    as_json: bool = JSON,
) -> None:
    """Lint a glossary: empty entries, duplicates, see-also to missing terms, stray lines.

    Prints one 'path:line: kind: message' per finding; exits 1 if there are any, 0 if clean.

    Examples:

    \b
      mlterms check ~/notes/glossary.md
      mlterms check --json | jq '.findings | length'
    """
    from mlterms.check import lint

    glossary = with_entries(load(path)) if path else state(ctx).glossary()
    found = lint(glossary)
    draw.findings(state(ctx).output(as_json), glossary.path, found)
    raise typer.Exit(NOT_FOUND if found else FOUND)
