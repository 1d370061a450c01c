"""The glossary commands: define, list, search, check."""

import typer

from mlterms.cli.app import FOUND, NOT_FOUND, app, complete_term, friendly, state
from mlterms.glossary import Entry, Glossary, load
from mlterms.lookup import resolve_words, suggest
from mlterms.render import entries as draw

JSON = typer.Option(False, "--json", help="Print JSON for scripts.")


def demo_names() -> set[str]:
    """Terms that have a demo, from the catalog: no demo module (let alone torch) is imported."""
    from mlterms.demos.registry import names

    return set(names())


def miss_message(glossary: Glossary, query: str) -> str:
    hint = suggest(glossary, query)
    if hint:
        return f"no entry for '{query}'. Did you mean: {', '.join(hint)}?"
    return f"no entry for '{query}'. Try: mlterms search {query}"


def find_entries(glossary: Glossary, words: list[str]) -> list[Entry | str]:
    """Entries named by the words; a phrase that is a near spelling of one term is one miss.

    'batch normalisation' is one miss (did you mean 'batch normalization'), not 'batch' and a miss;
    'l1 loss l2 los' is 'l1 loss' and a miss for 'l2 los'.
    """
    found = resolve_words(glossary, words)
    phrase = " ".join(words)
    misses = any(isinstance(f, str) for f in found)
    if misses and len(words) > 1 and suggest(glossary, phrase, limit=1, cutoff=85):
        return [phrase]
    return found


@app.command()
@friendly
def define(
    ctx: typer.Context,
    terms: list[str] = typer.Argument(..., metavar="TERM...", autocompletion=complete_term),
    as_json: bool = JSON,
) -> None:
    """Show the definition of one or more terms.

    Matching forgives case, articles, plurals, hyphens and 'what is'; aliases work too.
    A miss exits 1 and suggests near spellings.

    Examples:

    \b
      mlterms define dropout
      mlterms define batch normalization softmax
      mlterms define bn --json | jq -r '.definition[]'
    """
    glossary = state(ctx).glossary()
    found = find_entries(glossary, terms)
    entries = [f for f in found if isinstance(f, Entry)]
    out = state(ctx).output(as_json)
    for miss in (f for f in found if isinstance(f, str)):
        out.error(miss_message(glossary, miss))
    if entries:
        draw.define(out, glossary, entries, demo_names())
    raise typer.Exit(FOUND if len(entries) == len(found) else NOT_FOUND)


@app.command("list")
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
    draw.listing(state(ctx).output(as_json), glossary, demo_names())
    raise typer.Exit(FOUND if glossary.entries else NOT_FOUND)


@app.command()
@friendly
def search(
    ctx: typer.Context,
    query: list[str] = typer.Argument(..., metavar="QUERY..."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="Show at most this many results."),
    as_json: bool = JSON,
) -> None:
    """Ranked full-text search over names, aliases and definitions.

    Stems words (overfit finds overfitting) and forgives typos in term names.
    Exits 1 when nothing matches.

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
    found = search_text(read_text(state(ctx).path()), " ".join(query), limit=limit)
    draw_hits(state(ctx).output(as_json), found)
    raise typer.Exit(FOUND if found else NOT_FOUND)


@app.command()
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

    glossary = load(path) if path else state(ctx).glossary()
    found = lint(glossary)
    draw.findings(state(ctx).output(as_json), glossary.path, found)
    raise typer.Exit(NOT_FOUND if found else FOUND)
