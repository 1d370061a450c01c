"""What every command shares: the state of the global options, exit codes, errors, options.

Commands only parse options, call the library and render. Errors become one line on stderr
and an exit code that follows grep: 0 found, 1 nothing found, 2 error or usage, 130 Ctrl-C.
Command modules register on `registry` here; cli/app.py builds each command only when needed.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence

import typer
from typer import _click

from mlterms import layers
from mlterms.glossary import Glossary, GlossaryError
from mlterms.layers import Layers
from mlterms.names import key, keys
from mlterms.render import Output, choose_mode

FOUND, NOT_FOUND, ERROR, INTERRUPTED = 0, 1, 2, 130
MOST = 1_000_000  # where a count ("at most N") is clamped: more than any glossary holds

registry = typer.Typer()  # the commands, registered as their modules are imported
command = registry.command

JSON = typer.Option(False, "--json", help="Print JSON for scripts.")


class NoEntries(Exception):
    """The glossary has no entry (an empty file, a README): commands that read entries stop."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(f"no entries in {path}")


def with_entries(glossary: Glossary) -> Glossary:
    """The glossary, if it has an entry; else NoEntries, which `friendly` turns into exit 1."""
    if not glossary.entries:
        raise NoEntries(glossary.path)
    return glossary


class State:
    """What the global options chose; the glossary is read once, on first use.

    `glossaries` are the -g values in order (before and after the command); with none,
    $MLTERMS_GLOSSARY or the default layers are used (layers.chosen).
    """

    def __init__(self, glossaries: Sequence[str] = (), color: str = "auto"):
        self.glossaries = list(glossaries)
        self.color = color
        self._parts: list[Glossary] | None = None
        self._glossary: Glossary | None = None

    def layers(self) -> Layers:
        return layers.chosen(self.glossaries, os.environ.get(layers.ENV))

    def parts(self) -> list[Glossary]:
        """Each layer's own glossary, top first (a GlossaryError names a layer that can't be read)."""
        if self._parts is None:
            self._parts = layers.read(self.layers())
        return self._parts

    def glossary(self, empty_ok: bool = False) -> Glossary:
        """The merged glossary in use; one with no entries stops the command unless `empty_ok`."""
        if self._glossary is None:
            self._glossary = layers.merge(self.parts())
        if not empty_ok and not self._glossary.entries:
            raise NoEntries(", ".join(part.path for part in self.parts()))
        return self._glossary

    def output(self, as_json: bool = False) -> Output:
        return Output(choose_mode(as_json, self.color))


def state(ctx: _click.Context) -> State:
    """The State of this invocation (made from the parsed options when the app callback has not
    run, as during completion)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        params = root.params or {}
        color = params.get("color")
        root.obj = State(params.get("glossary") or (), color=getattr(color, "value", color) or "auto")
    return root.obj


def on_terminal(out: Output) -> bool:
    """True when results are shown to a person: not JSON, and Rich or stdout a terminal."""
    return not out.is_json and (out.rich or sys.stdout.isatty())


def friendly(fn):
    """Turn expected failures into one line on stderr and an exit code, never a traceback."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GlossaryError as e:
            Output().error(str(e))
            raise typer.Exit(ERROR) from None
        except NoEntries as e:
            Output().error(str(e))
            raise typer.Exit(NOT_FOUND) from None
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED) from None

    return run


def at_most(value: int | None) -> int | None:
    """A count option's callback: a huge count means 'all of them', so it is clamped to MOST."""
    return None if value is None else min(value, MOST)


def demo_keys() -> set[str]:
    """The names.key of every demo, from the catalog: no demo module (let alone torch) is imported.

    A demo's name comes from its file name ('one__shot_learning.py' is 'one-shot learning'), and
    terms are matched to demos by key, so an alias or another spelling finds the demo too.
    """
    from mlterms.demos.catalog import names  # the catalog alone: not the registry

    return set(keys(names()))


def miss_message(glossary: Glossary, query: str, extra: list[str] | None = None) -> str:
    from mlterms.lookup import suggest

    hint = suggest(glossary, query, extra=extra or [])
    if hint:
        return f"no entry for '{query}'. Did you mean: {', '.join(hint)}?"
    return f"no entry for '{query}'. Try: mlterms search {query}"


def recased(incomplete: str, names: list[str]) -> list[str]:
    """Completion candidates that start like the typed text, ignoring case and separators, each
    re-cased to the typed prefix: 'Drop' -> 'Dropout'. (Shells and Typer keep only candidates
    that start with the typed text as typed.)"""
    start = key(incomplete)
    found = []
    for name in names:
        if name[: len(incomplete)].casefold() == incomplete.casefold():
            found.append(incomplete + name[len(incomplete) :])
        elif key(name).startswith(start):
            found.append(name)
    return list(dict.fromkeys(found))


def complete_term(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: term names and aliases that start like what was typed."""
    try:
        glossary = state(ctx).glossary(empty_ok=True)
        return recased(incomplete, [n for e in glossary.entries for n in e.names])
    except Exception:  # completion must never break the user's shell
        return []
