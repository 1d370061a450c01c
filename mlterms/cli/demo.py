"""The demo command: run the verified PyTorch demo of a glossary term and draw its report.

torch loads only when a demo runs: listing, help and completion read the registry alone.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from mlterms.cli.common import ERROR, FOUND, JSON, NOT_FOUND, command, friendly, miss_message, recased, state
from mlterms.glossary import Glossary
from mlterms.lookup import Asked, find
from mlterms.names import key
from mlterms.render import Output


def complete_demo(incomplete: str) -> list[str]:
    """Shell completion: demo names that start like what was typed."""
    try:
        from mlterms.demos.registry import names

        return recased(incomplete, names())
    except Exception:  # completion must never break the user's shell
        return []


@command("demo")
@friendly
def demo_command(
    ctx: typer.Context,
    terms: list[str] | None = typer.Argument(
        None, metavar="[TERM]...", autocompletion=complete_demo, help="A glossary term or alias with a demo."
    ),
    show_list: bool = typer.Option(False, "--list", "-l", help="List the demos (names only when piped)."),
    run_all: bool = typer.Option(False, "--all", "-a", help="Run every demo."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Random seed: same seed, same numbers."),
    knobs: list[str] | None = typer.Option(
        None, "--set", metavar="NAME=VALUE", help="Turn a knob (repeatable); see --params."
    ),
    show_params: bool = typer.Option(False, "--params", help="List the demo's knobs and their ranges."),
    exercise: bool = typer.Option(False, "--exercise", "-e", help="Predict first: answer its exercises."),
    show_source: bool = typer.Option(False, "--source", help="Print the code that computed the demo."),
    svg: Path | None = typer.Option(None, "--svg", metavar="FILE", help="Also save it as SVG (100 columns)."),
    html: Path | None = typer.Option(None, "--html", metavar="FILE", help="Also save it as HTML."),
    as_json: bool = JSON,
) -> None:
    """Run a small PyTorch demo of a term: computed by hand, checked against PyTorch.

    Terms match like in define (aliases, typos). Every check is shown with its kind (reference,
    property or effect); any failed check exits 2. A term without a demo exits 1. With
    --exercise, exits 1 unless every answer was right.

    Examples:

    \b
      mlterms demo convolution
      mlterms demo softmax --seed 7
      mlterms demo dropout --params
      mlterms demo dropout --set p=0.3 --set n=1000
      mlterms demo "l1 loss" --exercise
      mlterms demo convolution --source
      mlterms demo attention --svg attention.svg --html attention.html
      mlterms demo --list
      mlterms demo --all | grep FAIL
      mlterms demo attention --json | jq '.checks[] | select(.passed | not)'
    """
    out = state(ctx).output(as_json)
    usage = usage_error(bool(terms), show_list, run_all, knobs, show_params, exercise, show_source, svg, html)
    if usage:
        out.error(usage)
        raise typer.Exit(ERROR)
    if show_list:
        from mlterms.render.report import listing

        listing(out, summaries())
        raise typer.Exit(FOUND)
    names, found = (
        all_demos() if run_all else pick_demos(out, state(ctx).glossary(empty_ok=True), terms or [])
    )
    if not names:
        raise typer.Exit(found)
    many = run_all or len(names) > 1
    if show_params or show_source:
        shown = show_knobs(out, names, many) if show_params else show_code(out, names, many)
        raise typer.Exit(found if shown else NOT_FOUND)
    plan = Plan(seed, knob_values(out, names, knobs or []), exercise, exports(out, svg, html), run_all)
    failed, right = run_and_draw(out, names, plan, many)
    raise typer.Exit(ERROR if failed else found if right else NOT_FOUND)


def usage_error(terms: bool, show_list: bool, run_all: bool, knobs, *flags) -> str | None:
    """What is wrong with this combination of options, or None."""
    show_params, exercise, show_source, svg, html = flags
    if show_list + run_all + terms != 1:
        return "give one of: TERM..., --all or --list (see mlterms demo --help)"
    if show_list and (knobs or any(flags)):
        return "--list takes no other demo option"
    if knobs and run_all:
        return "--set needs demo names, not --all: each demo has its own knobs (see --params)"
    if exercise and run_all:
        return "--exercise needs demo names, not --all"
    if show_params + show_source > 1 or ((show_params or show_source) and (knobs or exercise or svg or html)):
        return "--params and --source only show: use them without --set, --exercise, --svg or --html"
    return None


@dataclass
class Plan:
    """How to run the chosen demos."""

    seed: int
    values: dict[str, dict[str, Any]]  # knob values per demo name (parsed)
    exercise: bool  # ask the exercises before each report
    exports: dict[str, Path]  # "svg" / "html" -> where to save the pictures
    bar: bool  # a progress bar on stderr (when it is a terminal)


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
    picked, found = [], FOUND
    for asked in find(glossary, words, extra=names()):
        name = demo_of(asked, demos, glossary)
        if name and name not in picked:
            picked.append(name)
        elif not name:
            out.error(no_demo_message(glossary, asked, names()))
            found = NOT_FOUND
    return picked, found


def demo_of(asked: Asked, demos: dict[str, str], glossary: Glossary) -> str | None:
    """The demo of what was asked: by an entry's term or one of its aliases (or those of the
    entries it shadows), or a demo's own name."""
    if asked.entry is not None:
        found = glossary.demo_key(asked.entry, demos)
        return demos[found] if found else None
    return demos.get(key(asked.name)) if asked.name else None


def no_demo_message(glossary: Glossary, asked: Asked, demos: list[str]) -> str:
    if asked.entry is None:
        return miss_message(glossary, asked.text, demos)
    return f"'{asked.entry.term}' has no demo yet. Demos: mlterms demo --list"


def knob_values(out: Output, names: list[str], settings: list[str]) -> dict[str, dict[str, Any]]:
    """`--set name=value` parsed for each demo that declares the knob; exit 2 on a bad one."""
    from mlterms.demos.registry import ParamError, params

    values: dict[str, dict[str, Any]] = {name: {} for name in names}
    declared = {name: {p.name: p for p in params(name)} for name in names}
    try:
        for setting in settings:
            knob, sep, raw = setting.partition("=")
            knob = knob.strip()
            if not sep or not knob:
                raise ParamError(f"--set takes NAME=VALUE, not {setting!r}")
            owners = [name for name in names if knob in declared[name]]
            if not owners:
                raise ParamError(unknown_knob(knob, names, declared))
            for name in owners:
                values[name][knob] = declared[name][knob].parse(raw.strip())
    except ParamError as e:
        out.error(str(e))
        raise typer.Exit(ERROR) from None
    return values


def unknown_knob(knob: str, names: list[str], declared: dict[str, dict]) -> str:
    """'l1 loss has no knob 'q' (its knobs: n, outlier)'."""
    where = f"'{names[0]}' has" if len(names) == 1 else "none of these demos has"
    knobs = sorted({k for name in names for k in declared[name]})
    return f"{where} no knob '{knob}' " + (f"(knobs: {', '.join(knobs)})" if knobs else "(it has no knobs)")


def exports(out: Output, svg: Path | None, html: Path | None) -> dict[str, Path]:
    """The pictures to save, checked before anything runs; exit 2 for a folder that isn't there."""
    from mlterms.render.export import problem

    targets = {kind: path for kind, path in (("svg", svg), ("html", html)) if path is not None}
    for path in targets.values():
        if problem(path):
            out.error(problem(path) or "")
            raise typer.Exit(ERROR)
    return targets


def show_knobs(out: Output, names: list[str], many: bool) -> bool:
    """--params: the knobs of each demo; False (exit 1) when none of them has any."""
    from mlterms.demos.registry import params
    from mlterms.render.knobs import knobs

    found = {name: params(name) for name in names}
    if not any(found.values()) and not out.is_json:
        out.error(f"{'this demo has' if len(names) == 1 else 'these demos have'} no knobs")
        return False
    knobs(out, found, many)
    return any(found.values())


def show_code(out: Output, names: list[str], many: bool) -> bool:
    """--source: the demo function, the helpers of its file and the by-hand helpers it calls."""
    from mlterms.demos.source import pieces
    from mlterms.render.code import code

    code(out, {name: pieces(name) for name in names}, many)
    return True


def run_and_draw(out: Output, names: list[str], plan: Plan, many: bool) -> tuple[bool, bool]:
    """Run each demo and draw it when done (JSON at the end), asking its exercises first if asked.

    Returns (a check failed or a demo broke, every exercise asked was answered right)."""
    from mlterms.render import report as draw
    from mlterms.render.running import running

    reports, broken, right = [], False, True
    with running(out, len(names), plan.bar) as bar:
        for name in names:
            bar.start(name)
            report = run_demo(out, name, plan.seed, plan.values.get(name))
            bar.done()
            broken |= report is None
            if report is None:
                continue
            reports.append(report)
            if plan.exercise:
                right &= quiz(out, report)
            if not out.is_json:
                draw.report(out, report, first=len(reports) == 1 or plan.exercise)
    if out.is_json and reports:
        draw.json_reports(out, reports, many)
    elif many and reports:
        draw.tally(out, reports)
    save_pictures(out, reports, many, plan.exports)
    return broken or not all(r.passed for r in reports), right


def quiz(out: Output, report) -> bool:
    """Ask the report's exercises, one line each; True if every answer was right."""
    from mlterms.cli.conversation import read_line
    from mlterms.demos.answers import grade
    from mlterms.render import exercise as draw

    if not report.exercises:
        draw.none_to_ask(out, report)
        return False
    graded = []
    for n, e in enumerate(report.exercises, 1):
        draw.ask(out, report, e, n, len(report.exercises))
        try:
            g = grade(e, read_line(draw.PROMPT, draw.stream(out)))
            while g is None:
                draw.hint(out)
                g = grade(e, read_line(draw.PROMPT, draw.stream(out)))
        except EOFError:  # no more answers: this one and the rest count as not known
            g = grade(e, None)
        assert g is not None  # only an answer that makes no sense grades to None
        draw.verdict(out, g)
        graded.append(g)
    draw.score(out, graded)
    return all(g.right for g in graded)


def save_pictures(out: Output, reports: list, many: bool, targets: dict[str, Path]) -> None:
    """--svg / --html: the reports as Rich draws them at 100 columns; exit 2 if a file can't be written."""
    if not targets or not reports:
        return
    from mlterms.render.export import save

    try:
        save(reports, many, targets, title="mlterms demo " + " ".join(r.term for r in reports))
    except OSError as e:
        out.error(f"cannot write {e.filename or 'the picture'}: {e.strerror or e}")
        raise typer.Exit(ERROR) from None


def run_demo(out: Output, name: str, seed: int, values: dict[str, Any] | None = None):
    """The demo's Report, or None after one line on stderr if the demo itself raised."""
    from mlterms.demos.registry import run

    try:
        return run(name, seed, values)
    except Exception as e:  # a broken demo is reported, and the other demos still run
        out.error(f"demo '{name}' failed: {type(e).__name__}: {e}")
        return None
