"""The glossary commands: define, list, search, path, check."""

import os

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
from mlterms.glossary import Glossary, load
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
        used_by = links.used_by(glossary, entries)
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
    from mlterms.render.search import hits as draw_hits
    from mlterms.search import search_layers

    # From the file's bytes: a warm index cache then answers without parsing the glossary at all.
    words = " ".join(query)
    found = search_layers([layer.path for layer in state(ctx).layers().files], words, limit=limit)
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
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    demos = demo_keys()
    first = {e.term: e for e in reversed(glossary.entries)}  # a repeated heading: the first one
    with_demo = {t for t in order if glossary.demo_key(first[t], demos)}
    reading_order(out, steps(order, found.builds_on, with_demo, progress, now))
    raise typer.Exit(FOUND)


@command()
@friendly
def check(
    ctx: typer.Context,
    path: str | None = typer.Argument(
        None, metavar="[PATH]", help="Glossary file (default: every layer in use)."
    ),
    as_json: bool = JSON,
) -> None:
    """Lint a glossary: empty entries, duplicates, see-also to missing terms, stray lines.

    Without PATH, checks every layer in use, each over the layers below it (a see-also
    may point into a lower layer). Prints one 'path:line: kind: message' per finding;
    exits 1 if there are any, 0 if clean. An entry that shadows a lower layer's entry
    is reported as information ('shadows'), which does not change the exit code.

    Examples:

    \b
      mlterms check ~/notes/glossary.md
      mlterms check --json | jq '.findings | length'
    """
    from mlterms.check import lint, lint_layers

    parts = checked_layers(ctx, path)
    found = [(parts[0], lint(parts[0], parts[1:]))] if path else lint_layers(parts)
    draw.findings(state(ctx).output(as_json), [(part.path, fs) for part, fs in found])
    failed = any(not f.info for _, fs in found for f in fs)
    raise typer.Exit(NOT_FOUND if failed else FOUND)


def checked_layers(ctx: typer.Context, path: str | None) -> list[Glossary]:
    """What `check` reads: every layer in use; or the file PATH, over the layers below it when
    it is one of them, else alone."""
    if not path:
        state(ctx).glossary()  # no entries in any layer: NoEntries
        return state(ctx).parts()
    files = state(ctx).layers().files
    try:
        real = os.path.realpath(path)
    except ValueError:  # a NUL in the path: load() says so, as for any file it can't read
        real = None
    at = next((n for n, layer in enumerate(files) if os.path.realpath(layer.path) == real), None)
    if at is None:
        return [with_entries(load(path))]
    parts = state(ctx).parts()[at:]
    with_entries(parts[0])
    return parts
