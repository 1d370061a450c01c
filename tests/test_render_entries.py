"""Entries on screen: the list table, define's panel and plain text, at fixed widths."""

from __future__ import annotations

import re

import pytest

from mlterms.glossary import bundled_path, load
from mlterms.names import key
from mlterms.render import Mode, Output
from mlterms.render import entries as draw

URL = "https://example.org/a/really/long/path/to/the/page/about-dropout_regularization#section-two"
NOTES = f"""\
### what is dropout
- aka: dropout regularization, inverted dropout, spatial dropout, alpha dropout, drop connect
- during training each unit is zeroed independently with probability p; see {URL} for more
- survivors are scaled by 1/(1-p) so that the expected activation stays the same
- see also: overfitting, regularization
- source: {URL}
"""


def visible(out: str) -> str:
    """What a terminal shows: colour codes and OSC 8 hyperlink markers removed."""
    return re.sub(r"\x1b\[[0-9;]*m", "", re.sub(r"\x1b]8;[^\x1b]*\x1b\\", "", out))


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return load(str(path))


def draw_define(capsys, glossary, width: int, mode=Mode.RICH, tty=None) -> str:
    draw.define(Output(mode, width=width, tty=tty), glossary, glossary.entries, {"dropout"}, {})
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [80, 120, 200])
def test_list_shows_every_name_whole_and_the_demo_column(capsys, width):
    glossary = load(str(bundled_path()))
    with_demo = {e.term for e in glossary.entries[::2]}
    draw.listing(Output(Mode.RICH, width=width), glossary, {key(t) for t in with_demo})
    lines = visible(capsys.readouterr().out).splitlines()
    assert max(map(len, lines)) <= min(width, 100)
    assert "demo" in lines[1 + lines.index(next(line for line in lines if line.startswith("┏")))]
    for entry in glossary.entries:
        row = next(line for line in lines if re.match(rf"│ {re.escape(entry.term)} +│", line))
        assert (row.split("│")[-2].strip() == "✓") == (entry.term in with_demo)


def test_list_at_40_columns_wraps_names_at_words_and_keeps_the_demo_column(capsys):
    glossary = load(str(bundled_path()))
    draw.listing(Output(Mode.RICH, width=40), glossary, {key(e.term) for e in glossary.entries})
    out = visible(capsys.readouterr().out)
    assert max(map(len, out.splitlines())) <= 40
    assert out.count("✓") == len(glossary.entries)
    cells = " ".join(line.split("│")[1] for line in out.splitlines() if line.startswith("│"))
    assert cells.split() == " ".join(e.term for e in glossary.entries).split()  # no word cut


@pytest.mark.parametrize("width", [40, 80, 200])
def test_a_url_is_never_broken_and_is_a_hyperlink(capsys, notes, width):
    raw = draw_define(capsys, notes, width)
    assert f";{URL}\x1b\\" in raw  # an OSC 8 hyperlink to it
    lines = visible(raw).splitlines()
    assert any(URL in line for line in lines)  # whole on one line (below the panel if need be)
    assert all(len(line) <= min(width, 100) for line in lines if URL not in line)


def test_aliases_that_do_not_fit_the_border_end_in_an_ellipsis_not_mid_word(capsys, notes):
    lines = visible(draw_define(capsys, notes, 60)).splitlines()
    border = next(line for line in lines if line.startswith("╰"))
    assert border.endswith(", … ─╯")
    shown = border.split(" aka ")[1].removesuffix(", … ─╯").split(", ")
    assert shown == notes.entries[0].aliases[: len(shown)]  # whole aliases, in order
    inside = " ".join(line.strip("│ ") for line in lines)
    assert "aka: " + ", ".join(notes.entries[0].aliases[:2]) in inside  # the full list is inside


def test_the_demo_hint_is_the_same_on_a_terminal_and_in_a_pipe(capsys, notes):
    assert "demo: mlterms demo dropout" in visible(draw_define(capsys, notes, 80))
    assert "demo: mlterms demo dropout" in draw_define(capsys, notes, 80, Mode.PLAIN)


def test_plain_define_wraps_at_words_on_a_terminal_with_a_hanging_indent(capsys, notes):
    lines = draw_define(capsys, notes, 40, Mode.PLAIN, tty=True).splitlines()
    assert all(len(line) <= 40 for line in lines if URL not in line)
    bullets = [i for i, line in enumerate(lines) if line.startswith("- ")]
    assert len(bullets) == 2 and lines[bullets[0] + 1].startswith("  ")
    entry = notes.entries[0]
    words = " ".join(lines).split()
    for bullet in entry.definition:
        assert " ".join(bullet.split()) in " ".join(words)  # every word, none split


def test_plain_define_in_a_pipe_is_one_line_per_bullet(capsys, notes):
    lines = draw_define(capsys, notes, 40, Mode.PLAIN, tty=False).splitlines()
    assert [line[2:] for line in lines if line.startswith("- ")] == notes.entries[0].definition


def run_in_terminal(args: list[str], columns: int, **env: str) -> str:
    """The screen text of a command run in a real pseudo-terminal of the given width."""
    import os
    import sys

    pexpect = pytest.importorskip("pexpect")
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    environ.update(TERM="xterm-256color", **env)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mlterms", *args],
        env=environ,
        encoding="utf-8",
        dimensions=(50, columns),
        timeout=60,
    )
    out = child.read()
    child.close()
    return visible(out).replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [40, 80])
def test_no_color_in_a_real_terminal_wraps_define_at_words(columns):
    out = run_in_terminal(["define", "dropout"], columns, NO_COLOR="1")
    assert "\x1b" not in out and "╭" not in out  # plain: no colour, no panel
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines if "https://" not in line)
    assert any(line.startswith("  ") for line in lines)  # a bullet's hanging indent
    assert any("https://developers.google.com/" in line and line.endswith("regularization") for line in lines)
