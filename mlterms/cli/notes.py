"""Your own notes: `add` a term to your glossary, `edit` an entry in your editor."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from mlterms import layers
from mlterms.cli.common import (
    ERROR,
    FOUND,
    JSON,
    NOT_FOUND,
    State,
    command,
    complete_term,
    demo_keys,
    friendly,
    miss_message,
    state,
)
from mlterms.editor import EditorError
from mlterms.glossary import Entry
from mlterms.notes import AlreadyThere, BadEntry, Draft, NotesError, Written
from mlterms.render import Output


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def items(values: list[str]) -> list[str]:
    """Comma-separated option values, each repeatable: ['ln, layernorm', 'lnorm'] -> 3 names."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def bullets(values: list[str]) -> list[str]:
    """-d values: each line of each is a bullet."""
    return [line.strip() for value in values for line in value.splitlines() if line.strip()]


def writable(chosen: State) -> tuple[Path, bool]:
    """Where add and edit write, and whether that file may be created (the default one only)."""
    found = chosen.layers()
    target = found.writable()
    if target is None:
        raise NotesError("no file of your own among the layers ('bundled' is never written): add -g FILE")
    return target, not found.named


def failed(out: Output, e: Exception) -> typer.Exit:
    """The exit for a refusal: 1 for a name already there, 2 for bad usage or an error."""
    out.error(str(e))
    return typer.Exit(NOT_FOUND if isinstance(e, AlreadyThere) else ERROR)


@command()
@friendly
def add(
    ctx: typer.Context,
    words: list[str] = typer.Argument(..., metavar="TERM"),
    definition: list[str] = typer.Option([], "--definition", "-d", help="A definition bullet (repeatable)."),
    aka: list[str] = typer.Option([], "--aka", help="Aliases, comma-separated (repeatable)."),
    see_also: list[str] = typer.Option([], "--see-also", help="Related terms, comma-separated (repeatable)."),
    builds_on: list[str] = typer.Option(
        [], "--builds-on", help="Prerequisites, comma-separated (repeatable)."
    ),
    source: list[str] = typer.Option([], "--source", help="A link (repeatable)."),
    as_json: bool = JSON,
) -> None:
    """Add a term to your own glossary (created if missing), over the bundled one.

    Writes to the first file named with -g or MLTERMS_GLOSSARY, else to the personal
    glossary (mlterms --show-paths shows it). With no -d it opens $VISUAL or $EDITOR on
    a template, or, when stdin is not a terminal, reads the bullets from stdin, one a
    line. A term already in your file is refused (exit 1): use mlterms edit. A term of
    the bundled glossary may be added: yours then shadows it.

    Examples:

    \b
      mlterms add "layer norm" -d "normalizes each example over its features" --aka ln
      mlterms add attention sink -d "a token that soaks up attention" --see-also attention
      printf 'one bullet\\nanother\\nsee also: dropout\\n' | mlterms add "my term"
      mlterms add "layer norm"            # opens your editor on a template
    """
    from mlterms import notes

    out = state(ctx).output(as_json)
    term = notes.term_of(" ".join(words))
    try:
        if not term:
            raise BadEntry("the term is empty")
        draft = Draft(term, bullets(definition), items(aka), items(see_also), items(builds_on), items(source))
        target, create = writable(state(ctx))
        if draft.definition:
            block: str | None = draft.markdown()
        elif stdin_is_terminal():
            block = from_editor(draft)
        else:
            block = notes.from_lines(sys.stdin.read().splitlines(), draft).markdown()
        if block is None:
            out.error("nothing added: no definition was written")
            raise typer.Exit(NOT_FOUND)
        written = notes.append(target, block, create=create)
    except (NotesError, EditorError) as e:
        raise failed(out, e) from None
    report(ctx, out, str(written.path), written.entry.line, written.entry.term, block)
    raise typer.Exit(FOUND)


def from_editor(draft: Draft) -> str | None:
    """The entry written in the editor on a template of the draft; None when left without a definition."""
    from mlterms import editor, notes

    text, line = notes.template(draft)
    edited = editor.edit_text(text, line)
    return None if edited == text else notes.from_template(edited)


def report(ctx: typer.Context, out: Output, path: str, line: int, term: str, block: str) -> None:
    """What `add` wrote, read back from the layers as they are now."""
    from mlterms.check import check_entry
    from mlterms.render import notes as draw

    fresh = State(state(ctx).glossaries, state(ctx).color)  # the personal file may be new
    checked = check_entry(fresh.parts(), path, line, term)
    if checked is None:  # add writes a layer in use, so this does not happen; but say where it went
        draw.say(out, [f"Added '{term}' to {path}:{line}."])
        return
    draw.added(out, fresh.glossary(empty_ok=True), block, checked, demo_keys())


@command()
@friendly
def edit(
    ctx: typer.Context,
    words: list[str] = typer.Argument(..., metavar="TERM", autocompletion=complete_term),
    where: bool = typer.Option(
        False, "--path", "--where", help="Print file:line instead of opening an editor."
    ),
) -> None:
    """Open an entry in your editor, at its heading.

    Uses $VISUAL, else $EDITOR, else nano or vi. An entry of the bundled glossary is
    first copied into your own glossary (which then shadows it), as cheat -e does: the
    bundled file is never written. A copy left unchanged is removed again. After the
    editor exits, the entry's check findings are printed. Quiz progress is kept: cards
    are keyed on the term. An editor that fails exits 2.

    Examples:

    \b
      mlterms edit dropout
      EDITOR="code --wait" mlterms edit "layer norm"
      mlterms edit softmax --path          # file:line, for scripts and editors
    """
    from mlterms import editor, notes
    from mlterms.glossary import read_text
    from mlterms.lookup import resolve

    glossary = state(ctx).glossary()
    term = " ".join(words)
    out = state(ctx).output()
    entry = resolve(glossary, term)
    if entry is None:
        out.error(miss_message(glossary, term))
        raise typer.Exit(NOT_FOUND)
    copied = None
    path, line = Path(entry.origin), entry.line
    try:
        command_line = [] if where else editor.chosen()  # no editor: fail before writing anything
        if layers.is_bundled(entry.origin):
            target, create = writable(state(ctx))
            copied = notes.append(
                target, notes.entry_block(read_text(entry.origin), entry.line), create=create
            )
            path, line = copied.path, copied.entry.line
        if where:
            out.line(f"{path}:{line}")
            raise typer.Exit(FOUND)
        status = editor.run(editor.at_line(command_line, path, line))
    except (NotesError, EditorError) as e:
        if copied is not None:
            notes.undo(copied)
        raise failed(out, e) from None
    raise typer.Exit(after_edit(ctx, out, entry, copied, path, line, status))


def after_edit(
    ctx: typer.Context, out: Output, entry: Entry, copied: Written | None, path: Path, line: int, status: int
) -> int:
    """Report the edit: take back a copy left unchanged, say a failed editor, print the findings."""
    from mlterms import notes
    from mlterms.check import check_entry
    from mlterms.render import notes as draw

    if copied is not None and notes.undo(copied):
        draw.say(
            out,
            [f"No change: the copy is removed, and '{entry.term}' of bundled:{entry.line} is used again."],
        )
        copied = None
        if status == 0:
            return FOUND
    if status != 0:
        out.error(f"the editor exited with status {status}")
        return ERROR
    fresh = State(state(ctx).glossaries, state(ctx).color)
    checked = check_entry(fresh.parts(), str(path), line, entry.term)
    if checked is None:
        draw.say(out, [f"'{entry.term}' is no longer in {path}."])
        return FOUND
    draw.edited(out, checked, entry if copied is not None else None)
    return FOUND
