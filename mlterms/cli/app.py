"""The Typer app, its global options, and what every command shares.

Commands only parse options, call the library and render. Errors become one line on stderr
and an exit code that follows grep: 0 found, 1 nothing found, 2 error or usage, 130 Ctrl-C.
"""

import functools
import os
from enum import Enum

import typer

from mlterms import __version__
from mlterms.glossary import Glossary, GlossaryError, bundled_path, load
from mlterms.render import Output, choose_mode

FOUND, NOT_FOUND, ERROR, INTERRUPTED = 0, 1, 2, 130

app = typer.Typer(
    name="mlterms",
    help="Look up, search, run and practise machine-learning concepts from a markdown glossary.",
    epilog="Examples:\n\n\b\n  mlterms define dropout\n  mlterms search prevent overfitting\n"
    "  mlterms demo convolution\n  mlterms quiz\n  mlterms list | fzf --preview 'mlterms define {}'",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class State:
    """What the global options chose; the glossary is read once, on first use."""

    def __init__(self, glossary_path: str | None = None, color: str = "auto"):
        self.glossary_path = glossary_path
        self.color = color
        self._glossary: Glossary | None = None

    def path(self) -> str:
        return str(self.glossary_path or bundled_path())

    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = load(self.path())
        return self._glossary

    def output(self, as_json: bool = False) -> Output:
        return Output(choose_mode(as_json, self.color))


def state(ctx: typer.Context) -> State:
    """The State of this invocation (a default one when a command runs without the app callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(glossary_path=os.environ.get("MLTERMS_GLOSSARY") or None)
    return root.obj


def friendly(command):
    """Turn expected failures into one line on stderr and an exit code, never a traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GlossaryError as e:
            Output().error(str(e))
            raise typer.Exit(ERROR) from None
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED) from None

    return run


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"mlterms {__version__}")
        raise typer.Exit()


@app.callback()
def options(
    ctx: typer.Context,
    glossary: str | None = typer.Option(
        None,
        "--glossary",
        "-g",
        envvar="MLTERMS_GLOSSARY",
        metavar="PATH",
        help="Glossary markdown file to use instead of the bundled one.",
    ),
    color: Color = typer.Option(Color.auto, "--color", help="Colour and formatting: auto, always or never."),
    version: bool = typer.Option(
        False, "--version", "-V", callback=show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Look up, search, run and practise machine-learning concepts from a markdown glossary."""
    ctx.obj = State(glossary_path=glossary, color=color.value)


def complete_term(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: term names and aliases that start like what was typed."""
    try:
        from mlterms.names import key

        path = (ctx.find_root().params or {}).get("glossary") or os.environ.get("MLTERMS_GLOSSARY")
        glossary = load(path or bundled_path())
        start = key(incomplete)
        names = [n for e in glossary.entries for n in e.names]
        return [n for n in names if key(n).startswith(start)]
    except Exception:  # completion must never break the user's shell
        return []
