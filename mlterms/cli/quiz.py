"""The quiz command: flashcards scheduled by FSRS. This module owns the reading of answers.

The library (mlterms.quiz, mlterms.progress) picks and grades; the renderer (mlterms.render.quiz)
draws; here we only loop: show a question, read a line, grade, save, show feedback. Ctrl-C or
end of input at any prompt ends the quiz quietly with the summary; every answer is already saved.
"""

import contextlib
import signal
import sys
from datetime import datetime, timezone
from enum import Enum

import typer

from mlterms.cli.app import ERROR, FOUND, NOT_FOUND, app, complete_term, friendly, state


class Mode(str, Enum):
    choice = "choice"
    recall = "recall"
    typed = "typed"
    mixed = "mixed"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def read_line(prompt: str, stream=None) -> str:
    """One answer. On a terminal: line editing, prompt on `stream`. In a pipe: the next line,
    echoed after the prompt so the transcript reads well. EOFError at the end of input."""
    stream = stream or sys.stdout
    if sys.stdin is None:  # started with stdin closed (`mlterms quiz <&-`)
        raise EOFError
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdin.reconfigure(errors="replace")  # a stray byte in an answer is no reason for a traceback
    if sys.stdin.isatty() and stream is sys.stdout and stream.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (arrow keys and history for input())
        return input(prompt)
    stream.write(prompt)
    stream.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    if not sys.stdin.isatty():
        stream.write(line if line.endswith("\n") else line + "\n")
    return line.rstrip("\r\n")


@contextlib.contextmanager
def shielded():
    """Hold a Ctrl-C that arrives while a card is being saved until the save is done."""
    caught: list = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    except (ValueError, TypeError):  # not the main thread: nothing to shield
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if caught:
            raise KeyboardInterrupt


def read_until(out, parse, prompt: str, hint: str):
    """Ask again, with a hint, until `parse` makes sense of the line."""
    from mlterms.render import quiz as draw

    value = parse(read_line(prompt, draw.stream(out)))
    while value is None:
        draw.hint(out, hint)
        value = parse(read_line(prompt, draw.stream(out)))
    return value


def answer_choice(out, session, question):
    from mlterms.quiz import pick_option
    from mlterms.render.quiz import prompt

    n = len(question.options)
    option = read_until(
        out,
        lambda line: pick_option(question, line),
        prompt("choice", n),
        f"Type a number 1-{n} or one of the terms above.",
    )
    with shielded():
        return session.choose(question, option, utcnow())


def answer_typed(out, session, question):
    from mlterms.render.quiz import prompt, stream

    answer = read_line(prompt("typed"), stream(out))
    with shielded():
        return session.typed(question, answer, utcnow())


def answer_recall(out, session, question):
    from mlterms.quiz import parse_grade
    from mlterms.render.quiz import prompt, reveal, stream

    answer = read_line(prompt("recall"), stream(out))
    reveal(out, question)
    grade = read_until(
        out, parse_grade, prompt("grade"), "Grade with 1 (again), 2 (hard), 3 (good) or 4 (easy)."
    )
    with shielded():
        return session.recall(question, answer, grade, utcnow())


ANSWER = {"choice": answer_choice, "typed": answer_typed, "recall": answer_recall}


def ask(out, session, question, number: int, total: int) -> None:
    """Pose one question, read until the answer is usable, save it, show feedback."""
    from mlterms.render import quiz as draw

    draw.question(out, question, number, total)
    result = ANSWER[question.mode](out, session, question)
    draw.feedback(out, result, utcnow())


def run(out, session, questions) -> None:
    """Ask every question; Ctrl-C or end of input stops early. Then the summary."""
    from mlterms.render import quiz as draw

    try:
        for number, question in enumerate(questions, 1):
            ask(out, session, question, number, len(questions))
    except (KeyboardInterrupt, EOFError):
        draw.stream(out).write("\n")
    draw.summary(out, session, utcnow())


def chosen_entries(ctx: typer.Context, terms: list[str]) -> list:
    """The entries named by --term; unknown or empty ones are an error (exit 1)."""
    from mlterms.cli.commands import miss_message
    from mlterms.lookup import resolve

    glossary = state(ctx).glossary()
    names = [name.strip() for term in terms for name in term.split(",") if name.strip()]
    entries, problems = [], []
    for name in names:
        entry = resolve(glossary, name)
        if entry is None:
            problems.append(miss_message(glossary, name))
        elif not entry.definition:
            problems.append(f"'{entry.term}' has no definition to quiz on")
        elif entry not in entries:
            entries.append(entry)
    for problem in problems:
        state(ctx).output().error(problem)
    if problems:
        raise typer.Exit(NOT_FOUND)
    return entries


def show_stats(ctx: typer.Context, out, progress) -> int:
    from mlterms.quiz import stats
    from mlterms.render import quiz as draw

    now = utcnow()
    draw.stats(out, stats(state(ctx).glossary(), progress, now), now)
    return FOUND


def reset(out, progress, yes: bool) -> int:
    """Forget all progress after a confirmation; the old file is kept aside, never deleted."""
    from mlterms.render import quiz as draw

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
            draw.say(out, ["Nothing reset."])
            return NOT_FOUND
    kept = progress.reset(utcnow())
    if out.is_json:
        out.json({"reset": True, "kept": str(kept)})
    else:
        draw.say(out, [f"Progress reset. The old state is kept as {kept}."])
    return FOUND


def practise(ctx: typer.Context, out, progress, terms: list[str] | None, seed: int | None, **choice) -> int:
    """Plan the quiz (mode, count, new, everything) and run it; exit 1 if nothing is due."""
    import random

    from mlterms import quiz as q
    from mlterms.render import quiz as draw

    glossary = state(ctx).glossary()
    only = chosen_entries(ctx, terms) if terms else None
    if only:  # named terms are practised now, due or not
        choice["everything"] = True
    pool = only or q.quizzable(glossary)
    if not pool:
        out.error(f"{glossary.path}: no entry has a definition to quiz on")
        return NOT_FOUND
    now = utcnow()
    questions = q.plan(glossary, progress, pool, now=now, rng=random.Random(seed), **choice)
    if not questions:
        draw.nothing_due(out, q.stats(glossary, progress, now), now)
        return NOT_FOUND
    run(out, q.Session(glossary, progress), questions)
    return FOUND


@app.command()
@friendly
def quiz(
    ctx: typer.Context,
    mode: Mode = typer.Option(Mode.mixed, "--mode", "-m", help="Kind of question."),
    count: int = typer.Option(10, "--count", "-n", min=1, help="Ask at most this many cards."),
    new: int = typer.Option(10, "--new", min=0, help="Of which at most this many never seen before."),
    everything: bool = typer.Option(False, "--all", help="Ignore the schedule: any card may be asked."),
    terms: list[str] | None = typer.Option(
        None,
        "--term",
        "-t",
        metavar="TERM",
        autocompletion=complete_term,
        help="Only these terms (repeat, or a,b).",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Same seed, same order and options."),
    stats: bool = typer.Option(False, "--stats", help="Show progress: seen, due, retention, hardest terms."),
    reset_all: bool = typer.Option(False, "--reset", help="Forget all progress (asks first)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Don't ask before --reset."),
    as_json: bool = typer.Option(
        False, "--json", help="Print only the result as JSON (questions go to stderr)."
    ),
) -> None:
    """Practise the glossary as flashcards, scheduled by FSRS like Anki.

    Due cards come first, then new ones. Questions: choice (pick the masked term among 4),
    recall (say the definition, then grade yourself 1-4) and typed (type the term; small typos
    are forgiven). Each answer is saved at once; Ctrl-C or end of input ends with a summary.
    Answers are read one per line when stdin is not a terminal.

    Examples:

    \b
      mlterms quiz
      mlterms quiz --mode typed --count 5
      mlterms quiz --term dropout --term softmax --all
      mlterms quiz --stats
      printf '2\\n1\\n3\\n' | mlterms quiz --mode choice --count 3 --seed 7 --json | jq .correct
    """
    from mlterms.progress import Progress, ProgressError

    if stats and reset_all:
        raise typer.BadParameter("use --stats or --reset, not both")
    out = state(ctx).output(as_json)
    try:
        progress = Progress.open(now=utcnow(), fuzz=seed is None)
        if progress.notice:
            out.error(progress.notice)
        if stats:
            raise typer.Exit(show_stats(ctx, out, progress))
        if reset_all:
            raise typer.Exit(reset(out, progress, yes))
        choice = {"mode": mode.value, "count": count, "new": new, "everything": everything}
        raise typer.Exit(practise(ctx, out, progress, terms, seed, **choice))
    except ProgressError as e:
        out.error(str(e))
        raise typer.Exit(ERROR) from None
