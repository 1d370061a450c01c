"""The parser: the seed file as it is, heading and bullet variants, and documented errors."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import (
    HEADING,
    GlossaryError,
    load,
    parse,
    parse_lines,
    parse_sections,
    read_text,
    term_from_heading,
)

from .conftest import SEED, SMALL


def test_seed_parses_to_36_entries_in_order():
    glossary = load(SEED)
    assert len(glossary.entries) == 36
    assert glossary.terms()[:3] == ["convolution", "convolutional layer", "pooling layer"]
    assert glossary.entries[0].line == 3
    assert glossary.stray == []


def test_fields_and_lines():
    glossary = parse(SMALL, "small.md")
    dropout, overfitting, bn = glossary.entries
    assert dropout.term == "dropout" and dropout.line == 3
    assert dropout.aliases == ["dropout regularization"]
    assert dropout.definition == ["zeroes each unit with probability p during training"]
    assert dropout.see_also == ["overfitting"]
    assert overfitting.term == "Overfitting"
    assert bn.term == "batch normalization" and bn.aliases == ["bn", "batchnorm"]


@pytest.mark.parametrize(
    "heading, term",
    [
        ("what is dropout", "dropout"),
        ("What is a GAN?", "GAN"),
        ("what is an encoder ", "encoder"),
        ("  What Is A GAN ?", "GAN"),
        ("what is the softmax", "softmax"),
        ("dropout", "dropout"),
        ("what is", ""),
    ],
)
def test_heading_variants(heading, term):
    assert term_from_heading(heading) == term


def test_continuations_nested_and_star_bullets():
    text = "### what is x\n* first\n  goes on\n  - nested\n+ plus\n\nafter blank\n"
    assert parse(text).entries[0].definition == ["first goes on", "nested", "plus", "after blank"]


def test_crlf_bom_lone_cr_and_tabs():
    text = "\ufeffpreamble\r\n###\twhat is x\r- one\r\n\t- two\n"
    entry = parse(text).entries[0]
    assert entry.term == "x" and entry.line == 2
    assert entry.definition == ["one", "two"]


def test_fenced_code_is_not_a_heading():
    text = "### what is x\n- see:\n```\n### what is y\n```\n"
    glossary = parse(text)
    assert glossary.terms() == ["x"]
    assert "### what is y" in glossary.entries[0].definition[-1]


def test_duplicates_are_kept():
    assert parse("### what is x\n- a\n### what is x\n- b\n").terms() == ["x", "x"]


def test_stray_lines_are_recorded():
    glossary = parse("- orphan bullet\n### what is x\n- a\n## section\n- lost\n")
    assert glossary.stray == [(1, "- orphan bullet"), (5, "- lost")]


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "no such file"),
        (b"### what is x\n- \xff\xfe\n", "not UTF-8"),
        (b"### what is x\n\x00\x01", "binary"),
    ],
)
def test_unreadable_files_raise_glossary_error(tmp_path, content, reason):
    path = tmp_path / "g.md"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GlossaryError) as e:
        load(path)
    assert reason in str(e.value) and str(path) in str(e.value)
    if content is not None:
        assert e.value.line == 2


def test_directory_and_permission_errors(tmp_path):
    with pytest.raises(GlossaryError, match="directory"):
        read_text(tmp_path)
    locked = tmp_path / "locked.md"
    locked.write_text("### what is x\n- a\n")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything
        pytest.skip("running as root")
    with pytest.raises(GlossaryError, match="permission"):
        read_text(locked)


def test_empty_file_is_an_empty_glossary(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("")
    assert load(path).entries == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_parses(text):
    glossary = parse(text)
    assert all(isinstance(e.term, str) and e.term for e in glossary.entries)


@settings(max_examples=100, deadline=None)
@given(st.binary())
def test_any_bytes_load_or_raise_the_documented_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "g.md"
    path.write_bytes(data)
    try:
        load(path)
    except GlossaryError as e:
        assert str(e).startswith(str(path))


# ----------------------------------------------------------------------------- the fast path

LINES = [
    *("### what is dropout", "### What is a GAN?", "### what is", "###", "####", "### ##", "  ### x ###"),
    *("### a#b ##", "###\tx\t", "    ### four spaces", "\t### tab", "###x", "## section", "# title", "#tag"),
    *("####### seven", "#######", "- aka: a, b", "* AKA : x,,y", "+ see also: p, q", "- See Also:", "-"),
    *(
        "- source: http://x",
        "- source:",
        "- \u017fource: s",
        "- ",
        "-x",
        "  - nested",
        "\t* tab",
        "\x0c- odd",
    ),
    *(
        "- \xa0nbsp\xa0",
        "-\t- twice",
        "continued text",
        "  indented text",
        "",
        "   ",
        "\x0c",
        "\x85",
        "\u2028",
    ),
    *(
        "- caf\xe9 \u4e2d\u6587",
        "\ufeff",
        "- a: b",
        "aka: not a bullet",
        ":",
        "- see also: ,",
        "\x1c\x1d\x1e",
        "\x0b",
    ),
]
ODD = " \t-*+#:,akeso\xa0\x0b\x0c\x1c\x85\u2028\u3000\xe9?"
line_strategy = st.one_of(st.sampled_from(LINES), st.text(alphabet=ODD, max_size=8))


@st.composite
def glossary_texts(draw):
    """Glossary-like text: lines of every kind, joined by \\n, \\r\\n or a lone \\r; maybe a BOM."""
    lines = draw(st.lists(line_strategy, max_size=30))
    breaks = draw(
        st.lists(st.sampled_from(["\n", "\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines))
    )
    text = "".join(line + brk for line, brk in zip(lines, breaks, strict=True))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(max_examples=1000, deadline=None)
@given(glossary_texts())
def test_fast_path_parses_like_the_line_by_line_parser(text):
    fast, spec = parse_sections(text), parse_lines(text)
    assert fast.entries == spec.entries
    assert fast.stray == spec.stray


@settings(max_examples=200, deadline=None)
@given(glossary_texts(), st.sampled_from(["```", "~~~", "  ```py"]))
def test_parse_takes_the_line_by_line_parser_for_fenced_code(text, fence):
    text = f"{text}\n{fence}\n### what is y\n- in code\n"
    glossary, spec = parse(text), parse_lines(text.removeprefix("\ufeff"))
    assert (glossary.entries, glossary.stray) == (spec.entries, spec.stray)
    assert "y" not in glossary.terms()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t#ab?\x0c", max_size=12))
def test_heading_title_is_what_a_lazy_regex_finds(line):
    lazy = re.match(r"^ {0,3}###(?:[ \t]+(.*?))?[ \t#]*$", line)
    found = HEADING.match(line)
    assert bool(found) == bool(lazy)
    assert not found or (found.group(1) or "") == (lazy.group(1) or "")


def test_fast_path_keeps_line_numbers_and_stray_lines():
    text = (
        "# title\r\n- stray\r\n\r\n### what is x\r- a\r\n  goes on\n## section\n- lost\n#tag\n### what is y\n"
    )
    glossary = parse(text)
    assert [(e.term, e.line) for e in glossary.entries] == [("x", 4), ("y", 10)]
    assert glossary.entries[0].definition == ["a goes on"]
    assert glossary.stray == [(2, "- stray"), (8, "- lost"), (9, "#tag")]


@pytest.mark.parametrize(
    ("heading", "article"),
    [
        ("### what is an encoder", "an"),
        ("### What is A Model?", "a"),
        ("### the softmax", "the"),
        ("### what is dropout", ""),
        ("### what is a", ""),  # the term is 'a', not an article
        ("### another term", ""),
    ],
)
def test_the_article_of_a_heading_is_kept(heading, article):
    [entry] = parse(f"{heading}\n- text\n").entries
    assert entry.article == article
