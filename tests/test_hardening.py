"""Hostile glossaries, odd terminals, pipes and fuzzed arguments never break mlterms."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlterms.cli import app
from mlterms.glossary import parse
from mlterms.render import choose_mode

HOSTILE = (
    "### what is evil\n"
    "- [bold red]loud[/] and [link=https://example.org]click[/link]\n"
    "- ansi \x1b[31mred\x1b[0m osc \x1b]0;pwned\x07 c1 \u009b2J bell \x07 bidi \u202eevil\n"
    "- aka: [b]wicked[/b]\n"
    "- see also: \x1b[2Jclear\n"
)
ESCAPES = ("\x1b", "\x07", "\u009b", "\u202e")


def visible(out: str) -> str:
    """The text a terminal shows: colour codes and hyperlink markers removed."""
    return re.sub(r"\x1b\[[0-9;]*m", "", OSC8.sub("", out))


OSC8 = re.compile(r"\x1b]8;[^\x1b\x07]*\x1b\\")


@pytest.fixture
def hostile(tmp_path):
    path = tmp_path / "hostile.md"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


def write(tmp_path, data: bytes | str, name="g.md"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# --- bad glossary files --------------------------------------------------------------------


def test_bad_files_are_one_line_and_exit_2(runner, tmp_path):
    binary = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00", "bin.md")
    latin1 = write(tmp_path, "### what is caf\xe9\n".encode("latin-1"), "latin1.md")
    cases = {
        tmp_path / "missing.md": "no such file",
        tmp_path: "is a directory",
        binary: "binary",
        latin1: "UTF-8",
    }
    for path, reason in cases.items():
        result = runner.invoke(app, ["--glossary", str(path), "list"])
        assert result.exit_code == 2, path
        assert result.stderr.startswith(f"mlterms: {path}") and reason in result.stderr
        assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_unreadable_file(runner, tmp_path, monkeypatch):
    path = write(tmp_path, "### what is x\n- a\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: make the read fail as it would for a user
        real = Path.read_bytes

        def denied(self):
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    result = runner.invoke(app, ["--glossary", str(path), "list"])
    assert result.exit_code == 2
    assert result.stderr == f"mlterms: {path}: permission denied\n"


@pytest.mark.parametrize("text", ["", "# a README\n\nsome prose, no ### headings\n"])
@pytest.mark.parametrize(
    "command", [["list"], ["define", "x"], ["search", "prose"], ["check"], ["quiz", "--count", "1"]]
)
def test_a_glossary_with_no_entries_says_so(runner, tmp_path, text, command):
    path = write(tmp_path, text)
    result = runner.invoke(app, ["--glossary", str(path), *command], input="")
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"mlterms: no entries in {path}\n", "")


def test_check_of_a_path_with_no_entries_says_so(runner, tmp_path):
    path = write(tmp_path, "")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1 and result.stderr == f"mlterms: no entries in {path}\n"


def test_commands_that_need_no_entries_still_work_on_an_empty_glossary(runner, tmp_path):
    path = write(tmp_path, "")
    assert runner.invoke(app, ["--glossary", str(path), "quiz", "--stats"]).exit_code == 0
    assert runner.invoke(app, ["--glossary", str(path), "demo", "--list"]).exit_code == 0


def test_odd_but_valid_markdown_parses(runner, tmp_path):
    text = (
        "\ufeffintro text\r\n###   What Is A GAN ?\r\n* two nets\r\n  continued\r\n  - nested\r\n+ plus\r"
        "\t- tabbed\n```\n### what is fake\n```\n"
    )
    path = write(tmp_path, text)
    result = runner.invoke(app, ["--glossary", str(path), "define", "gan", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["term"] == "GAN"
    assert data["definition"][:3] == ["two nets continued", "nested", "plus"]
    assert runner.invoke(app, ["--glossary", str(path), "define", "fake"]).exit_code == 1


def test_huge_lines_and_a_10_mb_file(tmp_path):
    long = "### what is x\n- " + "a" * 100_000 + "\n" + "#" * 100_000 + "\n"
    assert len(parse(long).entries[0].definition[0]) == 100_000
    entry = "### what is term {i}\n- " + "gradient loss tensor batch weight " * 6 + "\n"
    big = "".join(entry.format(i=i) for i in range(50_000))
    assert len(big) > 10_000_000
    assert len(parse(big).entries) == 50_000


def test_duplicates_and_empty_entries(runner, tmp_path):
    path = write(tmp_path, "### what is x\n### what is x\n- second\n")
    result = runner.invoke(app, ["--glossary", str(path), "define", "x"])
    assert result.exit_code == 0 and "(no definition yet)" in result.stdout
    result = runner.invoke(app, ["--glossary", str(path), "check"])
    assert result.exit_code == 1
    assert ":1: empty:" in result.stdout and ":2: duplicate:" in result.stdout


# --- terminal safety -----------------------------------------------------------------------


@pytest.mark.parametrize("color", ["never", "always"])
@pytest.mark.parametrize("command", [["define", "evil"], ["list"], ["check"], ["search", "loud"]])
def test_glossary_text_is_never_markup_or_control(runner, hostile, color, command):
    result = runner.invoke(app, ["--color", color, "--glossary", str(hostile), *command])
    assert result.exit_code in (0, 1), result.output
    out = result.stdout
    if color == "never":
        assert not any(e in out for e in ESCAPES)
    else:  # Rich's own styling and hyperlinks (OSC 8) are the only escape sequences allowed
        out = OSC8.sub("", out)
        assert "\x1b]" not in out and "\x07" not in out and "\u009b" not in out and "\u202e" not in out
        assert "pwned" not in out or "\\x1b]0;pwned" in out
    if command[0] == "define" or (command[0] == "list" and color == "always"):
        assert "[bold red]loud[/]" in out or "[bold red]" in out


def test_json_carries_controls_only_as_escapes(runner, hostile):
    result = runner.invoke(app, ["--glossary", str(hostile), "define", "evil", "--json"])
    assert not any(e in result.stdout for e in ESCAPES)
    data = json.loads(result.stdout)
    assert "\x1b[31m" in data["definition"][1] and "\u202e" in data["definition"][1]


# --- terminal manners ----------------------------------------------------------------------


def test_colour_rules(monkeypatch):
    tty = type("TTY", (), {"isatty": lambda self: True})()
    assert choose_mode(stream=tty) == "rich"
    assert choose_mode(color="never", stream=tty) == "plain"
    assert choose_mode(as_json=True, color="always", stream=tty) == "json"
    monkeypatch.setenv("TERM", "dumb")
    assert choose_mode(stream=tty) == "plain"
    assert choose_mode(color="always", stream=tty) == "rich"
    monkeypatch.setenv("NO_COLOR", "1")
    assert choose_mode(stream=tty) == "plain"
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("TERM")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert choose_mode() == "rich"


def test_no_color_env_gives_plain_output(runner, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = runner.invoke(app, ["define", "dropout"])
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize("columns", ["40", "200"])
def test_layout_fits_narrow_and_wide_terminals(runner, columns):
    result = runner.invoke(app, ["--color", "always", "define", "dropout"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    lines = [line for line in visible(result.stdout).splitlines() if not line.startswith("https://")]
    assert max(map(len, lines)) <= min(int(columns), 100)  # a URL may be wider, on a line of its own
    listing = runner.invoke(app, ["--color", "always", "list"], env={"COLUMNS": columns})
    assert max(len(line) for line in visible(listing.stdout).splitlines()) <= min(int(columns), 100)


def run_pipeline(shell: str) -> subprocess.CompletedProcess:
    bindir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ["PATH"]}
    return subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120, env=env)


def test_head_closes_the_pipe_quietly():
    done = run_pipeline(f"{sys.executable} -m mlterms list | head -1")
    assert done.stdout.strip() and done.stderr == ""


def interrupted(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "module, function, command",
    [
        ("mlterms.cli.commands", "find", ["define", "dropout"]),
        ("mlterms.demos.registry", "run", ["demo", "softmax"]),
        ("mlterms.cli.commands", "demo_keys", ["list"]),
    ],
)
def test_ctrl_c_exits_130_without_traceback(runner, monkeypatch, module, function, command):
    monkeypatch.setattr(f"{module}.{function}", interrupted)
    result = runner.invoke(app, command)
    assert result.exit_code == 130 and "Traceback" not in result.output


def test_quiz_with_stdin_closed_ends_quietly(tmp_path):
    done = run_pipeline(f"MLTERMS_HOME={tmp_path} {sys.executable} -m mlterms quiz --count 1 <&-")
    assert done.returncode == 0 and "Traceback" not in done.stderr


def test_usage_errors_exit_2_on_stderr(runner):
    result = runner.invoke(app, ["define", "--no-such-flag"])
    assert result.exit_code == 2 and "No such option" in result.stderr and result.stdout == ""
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


# --- integer options -----------------------------------------------------------------------

HUGE = "1000000000000000000000"
INTEGER_OPTIONS = [
    (["search", "overfitting"], "--limit"),
    (["search", "overfitting"], "-n"),
    (["quiz"], "--count"),
    (["quiz"], "--new"),
    (["quiz"], "--seed"),
    (["demo", "softmax"], "--seed"),
]


@pytest.mark.parametrize("command, option", INTEGER_OPTIONS)
@pytest.mark.parametrize("value", ["-1", "-" + HUGE, HUGE, "0"])
def test_integer_options_reject_or_clamp_odd_values(runner, command, option, value):
    result = runner.invoke(app, [*command, option, value], input="")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    too_small = value.startswith("-") or (value == "0" and option not in ("--new", "--seed"))
    too_big = value == HUGE and option == "--seed"  # a seed is 32 bits, as torch and random take it
    if too_small or too_big:
        assert result.exit_code == 2 and "Invalid value" in result.stderr
    else:  # a huge count means "all of them"
        assert result.exit_code in (0, 1), result.output


def test_a_huge_search_limit_is_every_hit(runner):
    some = runner.invoke(app, ["search", "loss", "-n", "1000"]).stdout
    assert runner.invoke(app, ["search", "loss", "-n", HUGE]).stdout == some


# --- fuzzing -------------------------------------------------------------------------------

COMMANDS = [["define"], ["search"], ["list"], ["check"], ["demo"], ["quiz", "--count", "1"]]
FLAGS = [
    "--json",
    "--color",
    "never",
    "always",
    "--limit",
    "-n",
    "--count",
    "--new",
    "0",
    "-1",
    "--",
    "-",
    "--seed",
    "--mode",
    "--help",
]
INTEGER_FLAGS = ["--limit", "-n", "--count", "--new", "--seed"]
WORDS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(FLAGS),
    st.just(""),
    st.text(min_size=2000, max_size=5000),
    st.integers().map(str),
    st.sampled_from([2**31, 2**32, 2**63, 2**64, 10**21, -(2**63)]).map(str),
    st.sampled_from(["dropout", "bn", "what is a", "???", "[bold]x[/]", "\x1b[2J", "ü🙂"]),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(COMMANDS),
    args=st.lists(
        st.one_of(WORDS, st.tuples(st.sampled_from(INTEGER_FLAGS), st.integers().map(str))), max_size=4
    ).map(lambda items: [w for item in items for w in (item if isinstance(item, tuple) else (item,))]),
)
def test_fuzzed_arguments_never_escape(runner, command, args):
    if command == ["demo"] and "--all" in args:
        return
    result = runner.invoke(app, [*command, *args], input="")
    assert result.exit_code in (0, 1, 2, 130), (command, args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (command, args)


GLOSSARY_LINES = st.one_of(
    st.sampled_from(
        [
            "### what is x",
            "###",
            "### what is",
            "- aka: a, b",
            "- see also: x, y",
            "- source:",
            "```",
            "- ",
            "* b",
        ]
    ),
    st.text(max_size=40),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(GLOSSARY_LINES, max_size=20), ending=st.sampled_from(["\n", "\r\n", "\r"]))
def test_fuzzed_glossaries_never_escape(runner, tmp_path, lines, ending):
    path = tmp_path / "fuzz.md"
    path.write_bytes(ending.join(lines).encode("utf-8", "surrogatepass"))
    for command in (["list"], ["check"], ["define", "x"], ["search", "x"]):
        result = runner.invoke(app, ["--glossary", str(path), *command])
        assert result.exit_code in (0, 1, 2), (command, lines)
        assert result.exception is None or isinstance(result.exception, SystemExit), (command, lines)


def test_demo_all_into_head_ends_quietly():
    done = run_pipeline(f"{sys.executable} -m mlterms demo --all | head -3")
    assert len(done.stdout.splitlines()) == 3 and done.stderr == ""


@pytest.mark.parametrize("mode", ["typed", "recall", "choice"])
def test_quiz_prints_glossary_text_literally(runner, tmp_path, mode):
    path = tmp_path / "hostile.md"
    path.write_text(
        HOSTILE + "### what is calm\n- plain words\n### what is quiet\n- more words\n", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["--glossary", str(path), "quiz", "--all", "--mode", mode, "--seed", "1"], input="1\n1\n1\n"
    )
    assert result.exit_code == 0
    assert not any(e in result.stdout for e in ESCAPES)
