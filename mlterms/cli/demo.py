"""The demo command: run the verified PyTorch demo of a glossary term and draw its report.

torch loads only when a demo runs: listing, help and completion read the registry alone.
"""

import typer

from mlterms.cli.app import ERROR, FOUND, NOT_FOUND, app, friendly, state
from mlterms.cli.commands import JSON, find_entries, miss_message
from mlterms.glossary import Entry, Glossary
from mlterms.names import key
from mlterms.render import Output


def complete_demo(incomplete: str) -> list[str]:
    """Shell completion: demo names that start like what was typed."""
    try:
        from mlterms.demos.registry import names

        start = key(incomplete)
        return [n for n in names() if key(n).startswith(start)]
    except Exception:  # completion must never break the user's shell
        return []


@app.command("demo")
@friendly
def demo_command(
    ctx: typer.Context,
    terms: list[str] | None = typer.Argument(
        None, metavar="[TERM]...", autocompletion=complete_demo, help="A glossary term or alias with a demo."
    ),
    show_list: bool = typer.Option(False, "--list", "-l", help="List the demos (names only when piped)."),
    run_all: bool = typer.Option(False, "--all", "-a", help="Run every demo."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Random seed: same seed, same numbers."),
    as_json: bool = JSON,
) -> None:
    """Run a small PyTorch demo of a term: computed by hand, checked against PyTorch.

    Terms match like in define (aliases, typos). Every check is shown; any failed check exits 2.
    A term without a demo exits 1.

    Examples:

    \b
      mlterms demo convolution
      mlterms demo softmax --seed 7
      mlterms demo --list
      mlterms demo --all | grep FAIL
      mlterms demo attention --json | jq '.checks[] | select(.passed | not)'
    """
    out = state(ctx).output(as_json)
    if show_list + run_all + bool(terms) != 1:
        out.error("give one of: TERM..., --all or --list (see mlterms demo --help)")
        raise typer.Exit(ERROR)
    if show_list:
        from mlterms.render.report import listing

        listing(out, summaries())
        raise typer.Exit(FOUND)
    names, found = all_demos() if run_all else pick_demos(out, state(ctx).glossary(), terms)
    failed = run_and_draw(out, names, seed, many=run_all or len(names) > 1)
    raise typer.Exit(ERROR if failed else found)


def summaries() -> dict[str, str]:
    """Each demo's one-line summary, by name (the registry keeps them; no torch needed)."""
    from mlterms.demos import registry

    return {name: registry.summary(name) for name in registry.names()}


def all_demos() -> tuple[list[str], int]:
    from mlterms.demos.registry import names

    return names(), FOUND


def pick_demos(out: Output, glossary: Glossary, words: list[str]) -> tuple[list[str], int]:
    """The demos the words name, and FOUND or NOT_FOUND; each miss is one line on stderr."""
    from mlterms.demos.registry import names

    demos = {key(name): name for name in names()}
    glossary = with_demo_names(glossary, names())
    picked, found = [], FOUND
    for item in find_entries(glossary, words):
        name = demo_of(item, demos)
        if name and name not in picked:
            picked.append(name)
        elif not name:
            out.error(no_demo_message(glossary, item))
            found = NOT_FOUND
    return picked, found


def with_demo_names(glossary: Glossary, names: list[str]) -> Glossary:
    """The glossary plus an entry for each demo it lacks, so every demo name resolves."""
    extra = [Entry(term=name, line=0) for name in names if key(name) not in glossary.index]
    return Glossary(glossary.entries + extra, glossary.path) if extra else glossary


def demo_of(item: Entry | str, demos: dict[str, str]) -> str | None:
    """The demo of an entry, by its term or one of its aliases (None for a miss)."""
    names = item.names if isinstance(item, Entry) else []
    return next((demos[key(n)] for n in names if key(n) in demos), None)


def no_demo_message(glossary: Glossary, item: Entry | str) -> str:
    if isinstance(item, str):
        return miss_message(glossary, item)
    return f"'{item.term}' has no demo yet. Demos: mlterms demo --list"


def run_and_draw(out: Output, names: list[str], seed: int, many: bool) -> bool:
    """Run each demo and draw it when done (JSON at the end); True if a check failed or a demo broke."""
    from mlterms.render import report as draw

    reports, broken = [], False
    for name in names:
        report = run_demo(out, name, seed)
        broken |= report is None
        if report is not None:
            reports.append(report)
            if not out.is_json:
                draw.report(out, report, first=len(reports) == 1)
    if out.is_json and reports:
        draw.json_reports(out, reports, many)
    elif many and reports:
        draw.tally(out, reports)
    return broken or not all(r.passed for r in reports)


def run_demo(out: Output, name: str, seed: int):
    """The demo's Report, or None after one line on stderr if the demo itself raised."""
    from mlterms.demos.registry import run

    try:
        return run(name, seed)
    except Exception as e:  # a broken demo is reported, and the other demos still run
        out.error(f"demo '{name}' failed: {type(e).__name__}: {e}")
        return None
