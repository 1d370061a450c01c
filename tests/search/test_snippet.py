"""Snippets: the line shown under a hit, its highlight spans, trimming and the highlight markers."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import parse
from mlterms.search import search
from mlterms.search.snippet import (
    CLOSE,
    OPEN,
    first_bullet,
    name_line,
    pick_bullet,
    scrub,
    squash,
    trim,
    unmark,
)


def test_body_snippet_is_the_matching_bullet(glossary):
    hit = next(h for h in search(glossary, "prevent overfitting") if h.term == "regularization")
    assert hit.snippet == "a way to prevent overfitting by limiting model complexity"
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["prevent", "overfitting"]


def test_long_bullet_is_trimmed_around_the_match():
    words = " ".join(f"word{i}" for i in range(60))
    g = parse(f"### thing\n- {words} gradient {words}\n")
    [hit] = search(g, "gradient")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 82
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["gradient"]


def test_snippet_is_one_line_and_markers_in_the_glossary_are_text():
    g = parse("### odd \ue000 entry\n- line one\n  continued \ue001 here with\ttabs and overfitting\n")
    [hit] = search(g, "overfitting")
    assert "\n" not in hit.snippet and "\t" not in hit.snippet
    assert "\ue000" not in hit.snippet + hit.term and "\ue001" not in hit.snippet
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["overfitting"]


def mark(text: str, *words: str) -> str:
    for word in words:
        text = text.replace(word, OPEN + word + CLOSE)
    return text


def test_unmark_gives_plain_text_and_the_marked_runs():
    plain = "a big dropout layer"
    assert unmark(mark(plain, "dropout", "layer")) == (plain, [(6, 13), (14, 19)])
    assert unmark(f"x{OPEN}{CLOSE}y{CLOSE}z") == ("xyz", [])  # empty and unopened runs: no span
    assert unmark("plain") == ("plain", [])


def test_scrub_leaves_no_marker():
    assert scrub(f"a{OPEN}b{CLOSE}c") == "a\ufffdb\ufffdc"
    assert unmark(scrub(mark("a b", "b"))) == ("a \ufffdb\ufffd", [])


def test_the_snippet_is_the_bullet_with_most_distinct_words_else_the_first():
    body = mark("units drop\nlayers and layer\nlayers of units", "units", "layer")
    assert pick_bullet(body) == ("layers of units", [(0, 5), (10, 15)])  # line 2: one word twice
    assert pick_bullet("first one\nsecond") == ("first one", [])  # nothing matched: the first bullet
    assert first_bullet(body) == ("units drop", [(0, 5)])
    assert first_bullet("") == ("", [])


def test_name_line_highlights_the_term_or_one_alias():
    assert name_line(["batch normalization", "bn", "batchnorm"], 0) == ("batch normalization", [(0, 19)])
    line, spans = name_line(["batch normalization", "bn", "batchnorm"], 2)
    assert line == "aka: bn, batchnorm" and [line[a:b] for a, b in spans] == ["batchnorm"]


def test_squash_makes_one_line_and_moves_spans():
    text = "  a\tbig \n\n word  "
    assert squash(text, [(2, 3), (4, 7), (11, 15)]) == ("a big word", [(0, 1), (2, 5), (6, 10)])
    assert squash("plain", [(0, 5)]) == ("plain", [(0, 5)])


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab \t\n", max_size=120), at=st.integers(0, 120))
def test_trim_spans_always_cover_the_same_word(text, at):
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if not words:
        return
    a, b = words[at % len(words)]
    snippet, spans = trim(text, [(a, b)], width=20)
    assert len(snippet) <= 20 and "\n" not in snippet and "\t" not in snippet
    for x, y in spans:
        assert snippet[x:y] in text[a:b]


def test_trim_keeps_spans_inside():
    text = "x" * 50 + " match " + "y" * 100
    snippet, spans = trim(text, [(51, 56)])
    assert [snippet[a:b] for a, b in spans] == ["match"]
    assert trim("short", [(0, 5)]) == ("short", [(0, 5)])
