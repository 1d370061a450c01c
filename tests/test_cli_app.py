"""The app: global options anywhere, help without arguments, commands loaded only when needed."""

from __future__ import annotations

import importlib

import pytest

from mlterms.cli import app
from mlterms.cli.app import COMMANDS
from mlterms.cli.common import registry

from .conftest import mlterms_modules, run_probed


def test_no_arguments_print_the_help_on_stdout(runner):
    result = runner.invoke(app, [])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: mlterms") and all(name in result.stdout for name in COMMANDS)


@pytest.mark.parametrize(
    "args",
    [
        ["--color", "never", "define", "softmax"],
        ["define", "softmax", "--color", "never"],
        ["define", "--color", "never", "softmax"],
    ],
)
def test_color_before_or_after_the_command(runner, args):
    result = runner.invoke(app, args, env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0 and result.stdout.startswith("softmax\n") and "\x1b" not in result.stdout


def test_color_after_the_command_wins(runner):
    result = runner.invoke(app, ["--color", "never", "define", "softmax", "--color", "always"])
    assert result.exit_code == 0 and "\x1b[" in result.stdout


@pytest.mark.parametrize("flag", ["-g", "--glossary"])
@pytest.mark.parametrize(
    "command", [["list"], ["define", "overfitting"], ["search", "training"], ["check", "--json"]]
)
def test_glossary_before_or_after_the_command(runner, small, flag, command):
    before = runner.invoke(app, [flag, str(small), *command])
    after = runner.invoke(app, [*command, flag, str(small)])
    assert before.exit_code == after.exit_code and before.stdout == after.stdout
    bundled = runner.invoke(app, command)
    assert after.stdout != bundled.stdout


def test_glossary_after_the_command_beats_the_environment(runner, small, tmp_path, monkeypatch):
    monkeypatch.setenv("MLTERMS_GLOSSARY", str(tmp_path / "missing.md"))
    result = runner.invoke(app, ["list", "-g", str(small)])
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "dropout"


def test_every_command_is_registered_by_its_module():
    for module in set(COMMANDS.values()):
        importlib.import_module(module)
    names = [info.name or info.callback.__name__ for info in registry.registered_commands]
    assert sorted(names) == sorted(COMMANDS)


def test_help_lists_every_command(runner):
    listed = runner.invoke(app, ["--help"]).stdout
    assert all(f"  {name}  " in listed for name in COMMANDS)


def test_a_mistyped_command_is_a_usage_error_with_a_suggestion(runner):
    result = runner.invoke(app, ["defin", "dropout"])
    assert result.exit_code == 2 and "Did you mean 'define'?" in result.stderr


def test_define_loads_no_other_command():
    loaded, done = run_probed("define", "dropout")
    assert done.stdout.startswith("dropout\n")
    modules = mlterms_modules(done)
    assert "mlterms.cli.commands" in modules
    assert not modules & {"mlterms.cli.demo", "mlterms.cli.quiz", "mlterms.quiz", "mlterms.search"}


def test_completion_lists_every_command():
    env = {"_MLTERMS_COMPLETE": "complete_bash", "COMP_WORDS": "mlterms ", "COMP_CWORD": "1"}
    _loaded, done = run_probed(env=env)
    assert set(COMMANDS) <= set(done.stdout.split("\n"))
