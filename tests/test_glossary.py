"""The parser: the seed file as it is, heading and bullet variants, and documented errors."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.glossary import (
    BULLET,
    HEADING,
    Entry,
    Glossary,
    GlossaryError,
    load,
    parse,
    read_text,
)
from mlterms.names import article_from_heading, heading_parts, term_from_heading

from .conftest import SEED, SMALL


def test_seed_parses_to_36_entries_in_order():
    glossary = load(SEED)
    assert len(glossary.entries) == 36
    assert [e.term for e in glossary.entries[:3]] == ["convolution", "convolutional layer", "pooling layer"]
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


def test_every_field_and_bullet_keeps_its_line():
    text = (
        "### what is x\n"  # 1
        "- aka: a, b\n"  # 2
        "- first\n"  # 3
        "  goes on\n"  # 4
        "* second\n"  # 5
        "- see also: y\n"  # 6
        "- AKA : c\n"  # 7
        "- source: http://s\n"  # 8
        "- aka:\n"  # 9
        "- see also: ,\n"  # 10
        "- source:\n"  # 11
        "\n"  # 12
        "third, after a blank\n"  # 13
    )
    x = parse(text).entries[0]
    assert list(zip(x.aliases, x.alias_lines, strict=True)) == [("a", 2), ("b", 2), ("c", 7)]
    assert x.definition == ["first goes on", "second", "third, after a blank"]
    assert x.definition_lines == [3, 5, 13]
    assert (x.see_also, x.see_also_lines) == (["y"], [6])
    assert (x.sources, x.source_lines) == (["http://s"], [8])
    assert x.empty_fields == ((9, "aka"), (10, "see also"), (11, "source"))


def test_fields_in_fenced_code_and_after_it_keep_their_lines():
    text = "### what is x\n```\n- aka: no\n```\n- aka: yes\n- after\n"
    x = parse(text).entries[0]
    assert (x.aliases, x.alias_lines) == (["yes"], [5])
    assert x.definition_lines == [2, 6] and x.definition[1] == "after"


def test_a_heading_with_no_space_is_text_and_recorded():
    text = "### what is x\n- a\n###what is nospace\n  ###indented\n####four\n#tag\n"
    glossary = parse(text)
    assert [e.term for e in glossary.entries] == ["x"]
    assert glossary.entries[0].definition == ["a ###what is nospace ###indented ####four #tag"]
    assert glossary.unspaced == [(3, "###what is nospace"), (4, "###indented")]


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
    assert [e.term for e in glossary.entries] == ["x"]
    assert "### what is y" in glossary.entries[0].definition[-1]
    assert glossary.unspaced == []


def test_duplicates_are_kept():
    assert [e.term for e in parse("### what is x\n- a\n### what is x\n- b\n").entries] == ["x", "x"]


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


# ----------------------------------------------------------------------------- properties

LINES = [
    *("### what is dropout", "### What is a GAN?", "### what is", "###", "####", "### ##", "  ### x ###"),
    *("### a#b ##", "###\tx\t", "    ### four spaces", "\t### tab", "###x", "## section", "# title", "#tag"),
    *("####### seven", "#######", "- aka: a, b", "* AKA : x,,y", "+ see also: p, q", "- See Also:", "-"),
    *("- source: http://x", "- source:", "- \u017fource: s", "- ", "-x", "  - nested", "\t* tab"),
    *("\x0c- odd", "- \xa0nbsp\xa0", "-\t- twice", "continued text", "  indented text", "", "   "),
    *("\x0c", "\x85", "\u2028", "- caf\xe9 \u4e2d\u6587", "\ufeff", "- a: b", "aka: not a bullet", ":"),
    *(
        "- see also: ,",
        "\x1c\x1d\x1e",
        "\x0b",
        "- aka: \x0c",
        "```",
        "~~~",
        "  ```py",
        "````",
        "- \u017fee also:",
    ),
]
ODD = " \t-*+#:,akeso`~\xa0\x0b\x0c\x1c\x85\u2028\u3000\xe9?"
BREAKS = ["\n", "\r\n", "\r"]


def line_strategy(fences: bool = True):
    lines = LINES if fences else [line for line in LINES if "`" not in line and "~" not in line]
    alphabet = ODD if fences else ODD.replace("`", "").replace("~", "")
    return st.one_of(st.sampled_from(lines), st.text(alphabet=alphabet, max_size=8))


@st.composite
def glossary_lines(draw, fences: bool = True) -> list[str]:
    """Lines of every kind of a glossary, none holding a line break of its own."""
    lines = draw(st.lists(line_strategy(fences), max_size=30))
    return [part for line in lines for part in re.split(r"\r\n|\r|\n", line)]


@st.composite
def glossary_texts(draw, fences: bool = True) -> str:
    """Glossary-like text: lines of every kind, joined by \\n, \\r\\n or a lone \\r; maybe a BOM."""
    lines = draw(glossary_lines(fences))
    breaks = draw(st.lists(st.sampled_from(BREAKS), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + brk for line, brk in zip(lines, breaks, strict=True))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return ("\ufeff" if draw(st.booleans()) else "") + text


def content(line: str) -> str:
    """What a line adds to a definition: a bullet's text, or the line's own text."""
    bullet = BULLET.match(line)
    return (bullet.group(2) or "").strip() if bullet else line.strip()


@settings(max_examples=200, deadline=None)
@given(glossary_texts())
def test_every_recorded_line_holds_what_it_is_said_to(text):
    glossary = parse(text)
    lines = re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))
    assert [e.line for e in glossary.entries] == sorted({e.line for e in glossary.entries})
    for entry in glossary.entries:
        heading = HEADING.match(lines[entry.line - 1])
        assert heading and term_from_heading(heading.group(1) or "") == entry.term
        end = next((e.line for e in glossary.entries if e.line > entry.line), len(lines) + 1)
        for values, where in [
            (entry.definition, entry.definition_lines),
            (entry.aliases, entry.alias_lines),
            (entry.see_also, entry.see_also_lines),
            (entry.sources, entry.source_lines),
        ]:
            assert len(values) == len(where) and where == sorted(where)
            assert all(entry.line < n < end for n in where)
            assert all(
                content(lines[n - 1]) in value or value in lines[n - 1]
                for value, n in zip(values, where, strict=True)
            )
        for n, name in entry.empty_fields:
            assert content(lines[n - 1]).casefold().startswith(name)
    for n, found in glossary.unspaced:
        assert lines[n - 1].strip() == found and found.startswith("###") and not HEADING.match(found)


@settings(max_examples=200, deadline=None)
@given(glossary_lines(), st.sampled_from(BREAKS), st.booleans())
def test_line_breaks_and_a_bom_change_nothing(lines, brk, bom):
    plain = parse("\n".join(lines))
    other = parse(("\ufeff" if bom else "") + brk.join(lines))
    assert (other.entries, other.stray, other.unspaced) == (plain.entries, plain.stray, plain.unspaced)


def respelled(line: str, mark: str, indent: str) -> str:
    """The line with another bullet mark, its heading indented, or a blank line made of spaces."""
    if line.startswith("- "):
        return mark + line[1:]
    if line.startswith("### "):
        return indent + line
    return line or indent + " \t"


@settings(max_examples=200, deadline=None)
@given(glossary_lines(fences=False), st.sampled_from(["*", "+", "-\t"]), st.sampled_from(["", " ", "   "]))
def test_bullet_marks_heading_indents_and_blank_lines_are_alike(lines, mark, indent):
    """`- x`, `* x` and `+ x` are the same bullet; `### x` may be indented up to 3 spaces."""
    plain = parse("\n".join(lines))
    other = parse("\n".join(respelled(line, mark, indent) for line in lines))
    assert (other.entries, other.stray, other.unspaced) == (plain.entries, plain.stray, plain.unspaced)


def shifted(entry: Entry, by: int) -> Entry:
    """The entry as if its text stood `by` lines further down."""
    values = {name: getattr(entry, name) for name in Entry.FIELDS}
    values["line"] += by
    for name in ("alias_lines", "definition_lines", "see_also_lines", "builds_on_lines", "source_lines"):
        values[name] = [n + by for n in values[name]]
    values["empty_fields"] = tuple((n + by, name) for n, name in entry.empty_fields)
    return Entry(**values)


@settings(max_examples=200, deadline=None)
@given(glossary_lines(fences=False), glossary_lines())
def test_an_entry_is_the_lines_from_its_heading_to_the_next(before, after):
    """Text without fenced code, then a heading: the entries of each part, as if parsed alone."""
    after = ["### what is b0", *after]
    first, second = parse("\n".join(before)), parse("\n".join(after))
    whole = parse("\n".join([*before, *after]))
    by = len(before)
    assert whole.entries == first.entries + [shifted(e, by) for e in second.entries]
    assert whole.stray == first.stray + [(n + by, t) for n, t in second.stray]
    assert whole.unspaced == first.unspaced + [(n + by, t) for n, t in second.unspaced]


NAME = st.text(alphabet="abcxyz019 -", max_size=12).map(lambda s: ("t" + s).strip())  # not "a ..."
ITEM = st.text(alphabet="abcxyz019 -.:()", min_size=1, max_size=30).map(str.strip).filter(bool)


@st.composite
def written_glossaries(draw) -> tuple[str, list[Entry]]:
    """Entries and the markdown that writes them, with the line of every part counted here."""
    out: list[str] = ["# notes", ""]
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        entry = Entry(draw(NAME), len(out) + 1)
        out.append(f"### what is {entry.term}")
        for _ in range(draw(st.integers(0, 5))):
            kind = draw(st.sampled_from(["aka", "see also", "source", "bullet", "bullet"]))
            items = draw(st.lists(NAME, min_size=1, max_size=3))
            n = len(out) + 1
            if kind == "bullet":
                line = draw(ITEM.filter(lambda s: not re.match(r"(?i)(aka|see also|source) *:", s)))
                entry.definition.append(line)
                entry.definition_lines.append(n)
                out.append(f"- {line}")
            elif kind == "source":
                entry.sources.append(items[0])
                entry.source_lines.append(n)
                out.append(f"- source: {items[0]}")
            else:
                values, where = (
                    (entry.aliases, entry.alias_lines)
                    if kind == "aka"
                    else (entry.see_also, entry.see_also_lines)
                )
                values += items
                where += [n] * len(items)
                out.append(f"- {kind}: {', '.join(items)}")
        entries.append(entry)
        out.append("")
    return "\n".join(out), entries


@settings(max_examples=100, deadline=None)
@given(written_glossaries())
def test_what_is_written_is_what_is_parsed(written):
    text, entries = written
    glossary = parse(text)
    assert glossary == Glossary(entries, "<text>")


@settings(max_examples=200, deadline=None)
@given(glossary_texts(fences=False), st.sampled_from(["```", "~~~", "  ```py"]))
def test_nothing_after_an_open_fence_is_a_heading(text, fence):
    """Fenced code never holds an entry: a fence left open runs to the end of the file."""
    fenced = parse(f"{text}\n{fence}\n### what is yy\n- in code\n")
    assert "yy" not in [e.term for e in fenced.entries]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t#ab?\x0c", max_size=12))
def test_heading_title_is_what_a_lazy_regex_finds(line):
    lazy = re.match(r"^ {0,3}###(?:[ \t]+(.*?))?[ \t#]*$", line)
    found = HEADING.match(line)
    assert bool(found) == bool(lazy)
    assert not found or (found.group(1) or "") == (lazy.group(1) or "")


def test_line_numbers_and_stray_lines():
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


def test_entries_are_equal_only_when_every_field_is():
    base = parse(
        "### what is an x\n- aka: b\n- one\n- see also: c\n- builds on: d\n- source: e\n- aka:\n"
    ).entries[0]
    assert (
        base
        == parse(
            "### what is an x\n- aka: b\n- one\n- see also: c\n- builds on: d\n- source: e\n- aka:\n"
        ).entries[0]
    )
    for name in Entry.FIELDS:
        value = getattr(base, name)
        if isinstance(value, int):
            changed: object = value + 1
        elif isinstance(value, (list, tuple)):
            changed = type(value)([*value, value[0]])
        else:
            changed = value + "x"
        other = Entry(**{n: getattr(base, n) for n in Entry.FIELDS} | {name: changed})
        assert other != base and name in repr(other), name


@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from(
            ["what", "What", "is", "are", "'s", "\u2019s", "s", "a", "An", "the", "?", " ", "\t", "x", "GAN"]
        ),
        max_size=8,
    ).map("".join)
)
def test_heading_parts_is_term_and_article_from_heading(title):
    assert heading_parts(title) == (term_from_heading(title), article_from_heading(title))


@pytest.mark.parametrize("title", ["a ?", "the ?", "An  ?", "what is a ?", "What is a GAN?"])
def test_heading_parts_matches_the_article_on_the_title_as_written(title):  # hypothesis found 'a ?'
    assert heading_parts(title) == (term_from_heading(title), article_from_heading(title))


def test_an_entry_has_the_demo_named_after_its_term_an_alias_or_what_it_shadows():
    from mlterms.names import key

    g = parse(
        "### what is layer norm\n- aka: ln\n- mine\n\n### what is attention\n- x\n\n### what is tanh\n- y\n"
    )
    g.hides = {"layer norm": ["layer normalization"]}
    mine, attention, tanh = g.entries
    assert g.demo_key(mine, {key("layer normalization")}) == key("layer normalization")  # shadowed
    assert g.demo_key(mine, {key("ln"), key("layer normalization")}) == key("ln")  # an alias first
    assert g.demo_key(attention, {key("Attention")}) == key("attention")
    assert g.demo_key(tanh, {key("attention")}) is None
