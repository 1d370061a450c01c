"""The renderer's shared pieces: modes, widths, the conversation stream, plain wrapping."""

from __future__ import annotations

import pytest

from mlterms.render import READING_WIDTH, Mode, Output, choose_mode, wrap_plain


def test_modes_are_an_enum():
    assert choose_mode(as_json=True) is Mode.JSON
    assert choose_mode(color="never") is Mode.PLAIN
    assert choose_mode(color="always") is Mode.RICH
    assert Output(Mode.JSON).is_json and Output(Mode.RICH).rich and not Output(Mode.PLAIN).rich


@pytest.mark.parametrize("columns, expected", [("40", 40), ("80", 80), ("200", READING_WIDTH)])
def test_width_follows_columns_but_is_capped(monkeypatch, columns, expected):
    monkeypatch.setenv("COLUMNS", columns)
    assert Output(Mode.PLAIN).width == expected
    assert Output(Mode.RICH).width == expected


def test_width_is_80_when_columns_is_unset_in_a_pipe(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert Output(Mode.PLAIN).width == 80  # stdout is captured by pytest: not a terminal


def test_the_quiz_talks_on_stderr_when_stdout_is_json(capsys):
    Output(Mode.JSON).say(["Question 1/1"])
    Output(Mode.PLAIN).say(["Question 1/1"])
    captured = capsys.readouterr()
    assert captured.err == "Question 1/1\n" and captured.out == "Question 1/1\n"


def test_say_wraps_at_words_on_a_terminal_only(capsys):
    line = "  - " + " ".join(f"word{i}" for i in range(30))
    Output(Mode.PLAIN, width=40, tty=True).say([line])
    wrapped = capsys.readouterr().out.splitlines()
    assert len(wrapped) > 1 and all(len(w) <= 40 for w in wrapped)
    assert all(w.startswith("    word") for w in wrapped[1:])  # hanging under the bullet's text
    assert " ".join(wrapped).split() == line.split()  # no word split or lost
    Output(Mode.PLAIN, width=40, tty=False).say([line])
    assert capsys.readouterr().out == line + "\n"  # in a pipe a line stays whole


def test_wrap_never_breaks_a_url_or_a_hyphenated_word():
    url = "https://developers.google.com/machine-learning/glossary#dropout_regularization"
    lines = wrap_plain(f"source: {url} and some more words after it", 30)
    assert "  " + url in lines and all(len(line) <= 30 for line in lines if url not in line)
    assert wrap_plain("a self-attention layer, well known", 12)[1].startswith("self-attention")


def test_labelled_fields_hang_and_plain_lines_do_not():
    assert wrap_plain("see also: alpha, beta, gamma, delta", 20) == [
        "see also: alpha,",
        "  beta, gamma, delta",
    ]
    assert wrap_plain("  no label here at all, just text", 16) == [
        "  no label here",
        "  at all, just",
        "  text",
    ]
