"""check: every kind of finding, at the line of the offending heading or bullet; output and exit codes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlterms.check import Finding, lint
from mlterms.cli import app
from mlterms.glossary import load, parse

from .conftest import BUNDLED, SEED


def line_of(lines: list[str], text: str, start: int = 0) -> int:
    """The 1-based number of the first line equal to text at or after index start."""
    return lines.index(text, start) + 1


def found(lines: list[str]) -> list[tuple[int, str, str]]:
    return [(f.line, f.kind, f.message) for f in lint(parse("\n".join(lines) + "\n"))]


def test_a_clean_glossary_has_no_findings():
    lines = [
        "# notes",
        "",
        "### what is x",
        "- aka: ex",
        "- a thing",
        "- see also: y",
        "",
        "### what is y",
        "- b",
    ]
    assert found(lines) == []


def test_an_entry_with_no_definition():
    lines = ["### what is x", "- aka: ex", "- see also: y", "### what is y", "- b"]
    assert found(lines) == [(1, "empty", "'x' has no definition")]


@pytest.mark.parametrize("text", ["", "\n\n", "# A README\n\nSome prose, no entries.\n"])
def test_a_file_with_no_entries(text):
    assert [(f.line, f.kind) for f in lint(parse(text))] == [(1, "empty")]


def test_a_heading_with_no_space_after_the_hashes():
    lines = ["### what is x", "- a", "", "###what is nospace", "- b"]
    assert found(lines) == [
        (
            line_of(lines, "###what is nospace"),
            "heading",
            "'###what is nospace' is not a heading: put a space after '###'",
        )
    ]


def test_see_also_naming_a_missing_term_points_at_its_bullet():
    lines = ["### what is x", "- a", "- see also: y", "- more", "- see also: nowhere, y"]
    assert found(lines) == [
        (line_of(lines, "- see also: y"), "see-also", "see also 'y' of 'x' is not in the glossary"),
        (
            line_of(lines, "- see also: nowhere, y"),
            "see-also",
            "see also 'nowhere' of 'x' is not in the glossary",
        ),
        (line_of(lines, "- see also: nowhere, y"), "see-also", "see also 'y' of 'x' is not in the glossary"),
    ]


@pytest.mark.parametrize("target", ["softmax", "Softmax", "soft-max", "softmaxes", "softargmax"])
def test_see_also_naming_its_own_entry(target):
    lines = ["### what is softmax", "- aka: softargmax", "- exp, then normalize", f"- see also: {target}"]
    assert found(lines) == [
        (
            line_of(lines, f"- see also: {target}"),
            "see-also",
            f"see also '{target}' of 'softmax' names its own entry",
        )
    ]


def test_the_message_says_see_also():
    (finding,) = lint(parse("### what is x\n- a\n- see also: y\n"))
    assert "see also" in finding.message and "sees" not in finding.message


@pytest.mark.parametrize("alias", ["softmax", "Softmax", "SOFTMAX"])
def test_an_alias_that_is_the_entry_name_ignoring_case(alias):
    lines = ["### what is softmax", "- exp, then normalize", f"- aka: softargmax, {alias}"]
    assert found(lines) == [
        (
            line_of(lines, f"- aka: softargmax, {alias}"),
            "duplicate",
            f"alias '{alias}' of 'softmax' is the entry's own name",
        )
    ]


@pytest.mark.parametrize("alias", ["fine-tuning", "fine_tuning", "Fine-Tuning", "finetuning"])
def test_a_near_spelling_of_the_entry_name_is_a_fine_alias(alias):
    assert found(["### what is fine tuning", f"- aka: {alias}", "- train a bit more"]) == []


def test_an_alias_listed_twice_in_one_entry():
    lines = ["### what is batch normalization", "- aka: bn", "- normalizes", "- aka: batchnorm, BN"]
    assert found(lines) == [
        (
            4,
            "duplicate",
            f"alias 'BN' of 'batch normalization' is listed twice (line {line_of(lines, '- aka: bn')})",
        )
    ]


def test_a_shared_alias_names_the_alias_and_where_it_was_first_used():
    lines = [
        "# notes",
        "",
        "### what is Transformer",
        "- attention all the way",
        "- aka: attention model, tfm",
        "",
        "### what is LSTM",
        "- a gated recurrent network",
        "- aka: long short-term memory, TFM",
    ]
    first = line_of(lines, "- aka: attention model, tfm")
    assert found(lines) == [
        (line_of(lines, "- aka: long short-term memory, TFM"), "duplicate",
         f"alias 'TFM' of 'LSTM' is already an alias of 'Transformer' (line {first})"),
    ]  # fmt: skip


def test_an_alias_that_is_another_entry_name_and_a_heading_that_is_another_alias():
    lines = [
        "### what is relu",
        "- aka: rectifier",
        "- max(0, x)",
        "### what is gelu",
        "- smooth",
        "- aka: ReLU",
    ]
    lines += ["### what is Rectifier", "- a circuit"]
    assert found(lines) == [
        (line_of(lines, "- aka: ReLU"), "duplicate", "alias 'ReLU' of 'gelu' is already the name of 'relu' (line 1)"),
        (line_of(lines, "### what is Rectifier"), "duplicate",
         f"'Rectifier' is already an alias of 'relu' (line {line_of(lines, '- aka: rectifier')})"),
    ]  # fmt: skip


def test_a_repeated_entry_is_one_finding_at_its_heading():
    lines = ["### what is x", "- aka: y", "- a", "### what is X", "- aka: y", "- b"]
    assert found(lines) == [
        (line_of(lines, "### what is X"), "duplicate", "'X' is defined more than once (line 1)")
    ]


@pytest.mark.parametrize(
    "field, value",
    [(field, value) for field in ("aka", "see also", "AKA", "See Also") for value in ("", " ", ",", " , ,")]
    + [("source", ""), ("Source", " ")],
)
def test_an_empty_field(field, value):
    lines = ["### what is x", "- a", f"- {field}:{value}", "- b"]
    assert found(lines) == [(3, "field", f"'{field.lower()}:' of 'x' is empty")]


def test_stray_lines_and_the_order_of_findings():
    lines = ["### what is x", "- see also: nowhere", "## other notes", "- lost", "### what is x", "- b"]
    kinds = [(n, kind) for n, kind, _ in found(lines)]
    assert kinds == [(1, "empty"), (2, "see-also"), (4, "stray"), (5, "duplicate")]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="#- \nakxy:seoalc,", max_size=80))
def test_every_finding_points_at_a_line_of_the_file(text):
    lines = text.split("\n")
    findings = lint(parse(text))
    assert findings == sorted(findings, key=lambda f: (f.line, f.kind))
    assert all(1 <= f.line <= max(len(lines), 1) for f in findings)


# ----------------------------------------------------------------------------- the command


def test_check_prints_path_line_kind_message_and_exits_1(runner, tmp_path):
    path = tmp_path / "g.md"
    path.write_text("### what is x\n- a\n- aka: X\n###what is y\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:3: duplicate: alias 'X' of 'x' is the entry's own name",
        f"{path}:4: heading: '###what is y' is not a heading: put a space after '###'",
    ]


def test_check_json(runner, tmp_path):
    path = tmp_path / "g.md"
    path.write_text("### what is x\n### what is x\n- a\n- see also: nowhere\n- aka:\n")
    result = runner.invoke(app, ["check", str(path), "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["path"] == str(path)
    assert [(f["line"], f["kind"]) for f in data["findings"]] == [
        (1, "empty"), (2, "duplicate"), (4, "see-also"), (5, "field"),
    ]  # fmt: skip
    expected = Finding(1, "empty", "'x' has no definition").as_dict()
    assert data["findings"][0] == {"path": str(path), **expected, "info": False}
    assert data["layers"] == [str(path)]


def test_check_an_empty_file_exits_1(runner, tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("")
    result = runner.invoke(app, ["check", str(path)])
    # the CLI's one rule for every command that reads entries: a line on stderr, exit 1
    assert result.exit_code == 1 and result.stderr == f"mlterms: no entries in {path}\n"
    assert [f.kind for f in lint(load(path))] == ["empty"]  # and the linter itself says so too


def test_check_bundled_is_clean(runner):
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0 and result.stdout == ""
    assert lint(parse(BUNDLED.read_text(encoding="utf-8"))) == []


def test_check_seed_reports_its_four_empty_entries_and_nothing_else(runner):
    result = runner.invoke(app, ["check", str(SEED)])
    assert result.exit_code == 1
    lines = SEED.read_text(encoding="utf-8").splitlines()
    headings = [n for n, line in enumerate(lines, start=1) if line.startswith("### ")]
    ends = [*headings[1:], len(lines) + 1]
    empty = [
        h
        for h, end in zip(headings, ends, strict=True)
        if not any(s.startswith("- ") for s in lines[h : end - 1])
    ]
    assert len(empty) == 4
    out = result.stdout.splitlines()
    assert out[0] == f"{SEED}:47: empty: 'timestep' has no definition"
    assert [line.split(":")[1] for line in out] == [str(n) for n in empty]
    assert all(": empty: " in line for line in out)


def test_a_builds_on_to_a_missing_term_or_to_itself_is_a_finding_at_its_line():
    lines = ["### what is x", "- a thing", "- builds on: y, nowhere, x", "", "### what is y", "- b"]
    assert found(lines) == [
        (3, "builds-on", "builds on 'nowhere' of 'x' is not in the glossary"),
        (3, "builds-on", "builds on 'x' of 'x' names its own entry"),
    ]


def test_a_builds_on_cycle_is_one_finding_at_the_first_entry_of_the_cycle():
    lines = ["### what is x", "- a", "- builds on: y", "", "### what is y", "- b", "- builds on: x", ""]
    assert found(lines) == [(3, "cycle", "cycle: x -> y -> x")]
