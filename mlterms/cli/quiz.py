"""The quiz command: flashcards scheduled by FSRS.

The library (mlterms.quiz) picks, grades, saves and runs the question loop; the renderer
(mlterms.render.quiz) draws; cli/conversation.py reads the answers; here we parse the options.

The library modules that hold FSRS are imported in the functions that use them: FSRS takes about
25 ms to import, and while every command's module is imported at start-up, `define` would pay it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlterms.cli.common import (
    ERROR,
    FOUND,
    NOT_FOUND,
    at_most,
    command,
    complete_term,
    friendly,
    miss_message,
    state,
)
from mlterms.cli.conversation import Terminal, read_line, utcnow
from mlterms.quiz.options import Mode, QuizOptions
from mlterms.render import Output
from mlterms.render import quiz as draw

if TYPE_CHECKING:
    from mlterms.glossary import Glossary
    from mlterms.quiz.session import AnyQuestion, Picked
    from mlterms.quiz.state import Progress

# the parameters that shape the questions, and their flags: --stats and --reset take none
QUESTION_OPTIONS = {
    "mode": "--mode",
    "count": "--count",
    "new": "--new",
    "everything": "--all",
    "terms": "--term",
    "seed": "--seed",
    "no_save": "--no-save",
    "retention": "--retention",
}


def idle_options(ctx: typer.Context, actions: dict[str, bool], yes: bool) -> str | None:
    """Why this combination of options would do nothing, if it would: a usage error. `actions`
    are the flags that ask no questions (--stats, --reset, --export-log, --optimize)."""
    given = [
        name for name in QUESTION_OPTIONS if getattr(ctx.get_parameter_source(name), "name", "") != "DEFAULT"
    ]
    chosen = [flag for flag, on in actions.items() if on]
    if len(chosen) > 1:
        return f"use one of {', '.join(chosen)}, not several"
    if yes and chosen != ["--reset"]:
        return "--yes only goes with --reset"
    if chosen and given:
        flags = ", ".join(QUESTION_OPTIONS[name] for name in given)
        return f"{chosen[0]} asks no questions: {flags} would do nothing"
    return None


def export_log(out: Output, progress: Progress, path: Path) -> int:
    """Write the review log as the FSRS optimizer's CSV; a bad path is an error (exit 2)."""
    from mlterms.quiz import reviewlog

    if not path.parent.is_dir():
        out.error(f"{path}: no such folder: {path.parent}")
        return ERROR
    try:
        count = reviewlog.export_csv(progress, path)
    except OSError as e:
        out.error(f"cannot write {path}: {(e.strerror or str(e)).lower()}")
        return ERROR
    if out.is_json:
        out.json({"path": str(path), "reviews": count})
    else:
        draw.say(out, [f"Wrote {draw.plural(count, 'review')} to {path}."])
    return FOUND


def optimize(out: Output, progress: Progress) -> int:
    """Fit FSRS to the user's own reviews; exit 1, saying how many more are needed, below 512."""
    from mlterms.quiz import reviewlog

    have = reviewlog.usable(progress)
    if have < reviewlog.MIN_REVIEWS:
        more = reviewlog.MIN_REVIEWS - have
        draw.say(
            out,
            [
                f"Not enough reviews to optimize: {have} usable, {more} more needed (a usable review is at least a day after the card's previous one)."
            ],
        )
        return NOT_FOUND
    try:
        import fsrs.optimizer  # noqa: F401

        reviewlog.optimize(progress)
    except ImportError:
        out.error("--optimize needs the optimizer extra: pip install 'mlterms[optimizer]'")
        return ERROR
    if out.is_json:
        out.json({"optimized": True, "reviews": have, "parameters": progress.parameters})
    else:
        draw.say(
            out, [f"Fitted the scheduler to {draw.plural(have, 'usable review')}; every card is rescheduled."]
        )
    return FOUND


def missing_terms(out: Output, glossary: Glossary, picked: Picked) -> bool:
    """Report the --term names that match no entry or name one without a definition."""
    for name in picked.unknown:
        out.error(miss_message(glossary, name))
    for entry in picked.empty:
        out.error(f"'{entry.term}' has no definition to quiz on")
    return bool(picked.unknown or picked.empty)


def show_stats(out: Output, glossary: Glossary, progress: Progress) -> int:
    """Read-only: a corrupt file is reported and left where it is."""
    from mlterms.quiz import compute
    from mlterms.quiz.scheduling import stats
    from mlterms.render import quiz_stats

    if progress.corrupt:
        out.error(f"{progress.path}: {progress.corrupt}; left as it is (the next quiz sets it aside)")
    now = utcnow()
    exercises = compute.stats(compute.catalog(glossary), progress, now)
    quiz_stats.stats(out, stats(glossary, progress, now), exercises, now)
    return FOUND


def set_aside(out: Output, progress: Progress) -> None:
    """Before anything is written: move a corrupt state file aside, and say so."""
    why = progress.corrupt
    kept = progress.set_aside(utcnow())
    if kept:
        out.error(f"{progress.path}: {why}; kept as {kept.name}, starting fresh")


def reset(out: Output, progress: Progress, yes: bool) -> int:
    """Forget all progress after a confirmation; the old file is kept aside, never deleted."""
    set_aside(out, progress)
    if not progress.path.exists():
        draw.say(out, ["No quiz progress to reset."])
        return FOUND
    if not yes:
        try:
            cards = draw.plural(len(progress.cards), "card")
            sure = read_line(f"Forget the progress of {cards}? [y/N] ", draw.stream(out))
        except (EOFError, KeyboardInterrupt):
            sure = ""
        if sure.strip().casefold() not in ("y", "yes"):
            draw.say(out, ["Reset cancelled: your progress is kept."])
            return NOT_FOUND
    kept = progress.reset(utcnow())
    if out.is_json:
        out.json({"reset": True, "kept": str(kept)})
    else:
        draw.say(out, [f"Progress reset. The old state is kept as {kept}."])
    return FOUND


def practise(out: Output, glossary: Glossary, progress: Progress, options: QuizOptions) -> int:
    """Plan the quiz and run it; exit 1 if a named term is unknown or nothing is due."""
    from mlterms.quiz import cards, questions, scheduling, session

    picked = session.pick_terms(glossary, options.terms)
    if missing_terms(out, glossary, picked):
        return NOT_FOUND
    if options.mode is Mode.compute:
        return exercises(out, glossary, progress, picked, options)
    pool = picked.entries or cards.quizzable(glossary)
    if not pool:
        out.error(f"{glossary.path}: no entry has a definition to quiz on")
        return NOT_FOUND
    now = utcnow()
    planned = questions.plan(glossary, progress, pool, options, now=now, rng=random.Random(options.seed))
    if not planned:
        draw.nothing_due(out, scheduling.stats(glossary, progress, now).next_due, now)
        return NOT_FOUND
    instead = questions.downgraded(planned, options.mode)
    if instead:
        out.error(f"--mode {options.mode.value} needs 2 terms with a definition; asking {instead} questions")
    return sit(out, glossary, progress, planned)


def exercises(
    out: Output, glossary: Glossary, progress: Progress, picked: Picked, options: QuizOptions
) -> int:
    """--mode compute: the demos' exercises as cards (of the named terms' demos, with -t). Exit 1
    if a named term has no exercise or nothing is due; 2 if a demo fails to run."""
    from mlterms.quiz import compute

    every = compute.catalog(glossary)
    without = [e.term for e in picked.entries if not compute.of_entries(every, [e])]
    for term in without:
        out.error(f"'{term}' has no exercises to compute. Demos with exercises: mlterms demo --list")
    if without:
        return NOT_FOUND
    pool = compute.of_entries(every, picked.entries) if picked.entries else every
    now = utcnow()
    planned = compute.plan(pool, progress, options, now=now, rng=random.Random(options.seed))
    if not planned:
        draw.nothing_due(
            out, compute.stats(every, progress, now).next_due, now, "mlterms quiz --mode compute --all"
        )
        return NOT_FOUND
    try:
        return sit(out, glossary, progress, planned)
    except compute.DemoFailed as e:
        out.error(str(e))
        return ERROR


def sit(out: Output, glossary: Glossary, progress: Progress, planned: Sequence[AnyQuestion]) -> int:
    """Ask the planned questions, saving each answer, then draw the summary."""
    from mlterms.quiz import session

    set_aside(out, progress)
    sitting = session.Session(glossary, progress)
    if not session.run(sitting, planned, Terminal(out, utcnow), utcnow):
        draw.stream(out).write("\n")  # end the prompt's line after Ctrl-C or Ctrl-D
    draw.summary(out, sitting, utcnow())
    return FOUND


@command()
@friendly
def quiz(
    ctx: typer.Context,
    mode: Mode = typer.Option(Mode.mixed, "--mode", "-m", help="Kind of question."),
    count: int = typer.Option(
        10, "--count", "-n", min=1, callback=at_most, help="Ask at most this many cards."
    ),
    new: int = typer.Option(
        10, "--new", min=0, callback=at_most, help="Of which at most this many never seen before."
    ),
    everything: bool = typer.Option(False, "--all", help="Ignore the schedule: any card may be asked."),
    terms: list[str] | None = typer.Option(
        None,
        "--term",
        "-t",
        metavar="TERM",
        autocompletion=complete_term,
        help="Only these terms (repeat, or a,b).",
    ),
    seed: int | None = typer.Option(
        None, "--seed", min=0, max=2**32 - 1, help="Same seed, same order, options and numbers."
    ),
    stats: bool = typer.Option(False, "--stats", help="Show progress: seen, due, retention, hardest terms."),
    reset_all: bool = typer.Option(False, "--reset", help="Forget all progress (asks first)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Don't ask before --reset."),
    no_save: bool = typer.Option(
        False, "--no-save", help="Practise without saving: the state file is left as it is."
    ),
    retention: float | None = typer.Option(
        None, "--retention", min=0.7, max=0.99, help="Target share of cards recalled (default 0.9); saved."
    ),
    log_file: Path | None = typer.Option(
        None,
        "--export-log",
        metavar="FILE.csv",
        help="Write the review log in the FSRS optimizer's CSV schema.",
    ),
    fit: bool = typer.Option(False, "--optimize", help="Fit the scheduler to your reviews (512 or more)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print only the result as JSON (questions go to stderr)."
    ),
) -> None:
    """Practise the glossary as flashcards, scheduled by FSRS like Anki.

    Due cards come first, then new ones. Questions: choice (pick the masked term among 4),
    recall (say the definition, then grade yourself 1-4; each grade shows its next interval),
    typed (type the term; small typos are forgiven), mixed (one of those per card) and compute
    (a demo's exercise, fresh numbers each time; loads torch). A missed card comes back later
    in the sitting until it is right; :u undoes the last answer. Each answer is saved at once
    (not with --no-save); Ctrl-C or end of input ends with a summary. Answers are read one per
    line in a pipe. --stats, --reset, --export-log and --optimize take no question options.

    Examples:

    \b
      mlterms quiz
      mlterms quiz --mode typed --count 5
      mlterms quiz --mode compute -t softmax
      mlterms quiz --term dropout --term softmax --all
      mlterms quiz --stats
      mlterms quiz --export-log reviews.csv
      printf '2\\n1\\n3\\n' | mlterms quiz --mode choice -n 3 --seed 7 --no-save --json | jq .correct
    """
    actions = {"--stats": stats, "--reset": reset_all, "--export-log": bool(log_file), "--optimize": fit}
    problem = idle_options(ctx, actions, yes)
    if problem:
        ctx.fail(problem)  # a usage error: exit 2
    from mlterms.quiz.state import Progress, ProgressError

    out = state(ctx).output(as_json)
    try:
        progress = Progress.open(fuzz=seed is None, persist=not no_save)
        if not any(actions.values()):
            if retention is not None:
                progress.configure(retention=retention)  # used now, written with the first answer
            options = QuizOptions(mode, count, new, everything, tuple(terms or ()), seed)
            raise typer.Exit(practise(out, state(ctx).glossary(), progress, options))
        raise typer.Exit(act(ctx, out, progress, stats, reset_all, yes, log_file))
    except ProgressError as e:
        out.error(str(e))
        raise typer.Exit(ERROR) from None


def act(
    ctx: typer.Context,
    out: Output,
    progress: Progress,
    stats: bool,
    reset_all: bool,
    yes: bool,
    log: Path | None,
) -> int:
    """The actions that ask no questions: --stats, --reset, --export-log, else --optimize."""
    if stats:
        return show_stats(out, state(ctx).glossary(empty_ok=True), progress)
    if reset_all:
        return reset(out, progress, yes)
    if log is not None:
        return export_log(out, progress, log)
    return optimize(out, progress)
