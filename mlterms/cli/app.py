"""The Typer app: its global options, and its commands, each loaded only when it is needed.

A command's module is imported when the command runs, or when help or completion lists the
commands, so that `define` does not pay for building `demo` and `quiz`. The global options
(`--glossary`, `--color`) work before or after the command name.

No `from __future__ import annotations` here: Typer reads the annotations of `options`, and
string annotations would be compiled by eval() at every start.
"""

from difflib import get_close_matches
from enum import Enum
from importlib import import_module
from pathlib import Path

import typer
from typer import _click
from typer._types import TyperChoice
from typer.core import TyperGroup, TyperOption

from mlterms import __version__
from mlterms.cli.common import State, registry, state

# Every command, and the module that registers it on cli.common.registry.
COMMANDS = {
    "define": "mlterms.cli.commands",
    "list": "mlterms.cli.commands",
    "search": "mlterms.cli.commands",
    "path": "mlterms.cli.commands",
    "check": "mlterms.cli.commands",
    "demo": "mlterms.cli.demo",
    "quiz": "mlterms.cli.quiz",
    "export": "mlterms.cli.export",
    "add": "mlterms.cli.notes",
    "edit": "mlterms.cli.notes",
    "explore": "mlterms.cli.explore",
}

GLOSSARY_HELP = (
    "A glossary markdown file to use, 'bundled' for the shipped one; repeat it to layer files, "
    "the first on top."
)
COLOR_HELP = "Colour and formatting: auto, always or never."


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def set_glossary(ctx: _click.Context, _param, value: tuple[str, ...] | None) -> None:
    if value:
        state(ctx).glossaries += value


def set_color(ctx: _click.Context, _param, value: str | None) -> None:
    if value is not None:
        state(ctx).color = value


def global_options() -> list[_click.Parameter]:
    """The global options again, for use after the command name (`mlterms list -g notes.md`)."""
    return [
        TyperOption(
            param_decls=["glossary", "--glossary", "-g"],
            metavar="PATH",
            multiple=True,
            expose_value=False,
            callback=set_glossary,
            help=GLOSSARY_HELP,
        ),
        TyperOption(
            param_decls=["color", "--color"],
            type=TyperChoice([c.value for c in Color]),
            expose_value=False,
            callback=set_color,
            help=COLOR_HELP,
        ),
    ]


class LazyGroup(TyperGroup):
    """A group that builds a command from its module only when the command is asked for."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import_module(COMMANDS[cmd_name])
            info = next(c for c in registry.registered_commands if command_name(c) == cmd_name)
            built = typer.main.get_command_from_info(
                info, pretty_exceptions_short=False, rich_markup_mode=self.rich_markup_mode
            )
            built.params += global_options()
            self.commands[cmd_name] = built
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:  # `mlterms | less` shows the help
            typer.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: _click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as e:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in e.message:
                e.message = e.message.rstrip(".") + f". Did you mean {', '.join(map(repr, matches))}?"
            raise


def command_name(info) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


app = typer.Typer(
    name="mlterms",
    cls=LazyGroup,
    help="Look up, search, run and practise machine-learning concepts from a markdown glossary.",
    epilog="Examples:\n\n\b\n  mlterms define dropout\n  mlterms search prevent overfitting\n"
    "  mlterms demo convolution\n  mlterms quiz\n  mlterms list | fzf --preview 'mlterms define {}'",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"mlterms {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def options(
    ctx: typer.Context,
    glossary: list[str] | None = typer.Option(None, "--glossary", "-g", metavar="PATH", help=GLOSSARY_HELP),
    color: Color = typer.Option(Color.auto, "--color", help=COLOR_HELP),
    show_paths: bool = typer.Option(
        False, "--show-paths", help="Show the glossary layers in use, the state file and the cache, and exit."
    ),
    version: bool = typer.Option(
        False, "--version", "-V", callback=show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Look up, search, run and practise machine-learning concepts from a markdown glossary."""
    ctx.obj = State(glossary or (), color=color.value)
    if show_paths:
        for line in paths_shown(ctx.obj):
            typer.echo(line)
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        ctx.fail("Missing command.")


def paths_shown(chosen: State) -> list[str]:
    """The lines of --show-paths: each layer top first, where `add` writes, the state and the cache."""
    from mlterms.places import state_file
    from mlterms.search.index import cache_dir

    found = chosen.layers()
    target = found.writable()
    lines = []
    for layer in found.files:
        note = "bundled, read only" if layer.bundled else ""
        if target is not None and not layer.bundled and Path(layer.path) == target:
            note = "yours: add and edit write here"
        lines.append(f"glossary  {layer.path}" + (f"  ({note})" if note else ""))
    if target is not None and all(Path(layer.path) != target for layer in found.files):
        lines.append(f"glossary  {target}  (yours, not created yet: mlterms add creates it)")
    lines.append(f"state     {state_file()}")
    lines.append(f"cache     {cache_dir()}")
    return lines
