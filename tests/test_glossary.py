"""The parser: the seed file as it is, heading and bullet variants, and documented errors."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import GlossaryError, load, parse, read_text, term_from_heading

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
