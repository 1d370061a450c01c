"""Layered glossaries: which layers are used, shadowing by name, and what each command sees."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlterms import glossary as glossary_module
from mlterms import layers
from mlterms.cli import app
from mlterms.glossary import GlossaryError, bundled_path, parse
from mlterms.lookup import resolve
from mlterms.places import personal_file

MINE = """\
# my notes

### what is dropout
- my words for dropout
- see also: softmax

### what is zorb
- aka: zb
- a made-up term of my own
"""


@pytest.fixture
def mine(tmp_path) -> Path:
    path = tmp_path / "mine.md"
    path.write_text(MINE, encoding="utf-8")
    return path


@pytest.fixture
def personal() -> Path:
    """The default personal file, in the test's MLTERMS_HOME."""
    path = personal_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MINE, encoding="utf-8")
    return path


def paths(found: layers.Layers) -> list[str]:
    return [layer.path for layer in found.files]


# ----------------------------------------------------------------------------- choosing layers


def test_the_variable_is_split_on_the_path_separator_only():
    value = os.pathsep.join(["/notes/my ml notes.md", "", "bundled", " "])
    assert layers.split_env(value) == ["/notes/my ml notes.md", "bundled"]
    assert layers.split_env(None) == [] and layers.split_env("") == []


def test_named_layers_are_exactly_those_named(mine):
    bundled = str(bundled_path())
    assert paths(layers.chosen([str(mine)], None)) == [str(mine)]
    assert paths(layers.chosen([str(mine), "bundled"], None)) == [str(mine), bundled]
    env = os.pathsep.join([str(mine), "bundled"])
    assert paths(layers.chosen([], env)) == [str(mine), bundled]
    assert paths(layers.chosen(["bundled"], env)) == [bundled]  # -g beats the variable
    assert [layer.bundled for layer in layers.chosen([], env).files] == [False, True]


def test_a_file_named_twice_is_one_layer_where_it_was_first_named(mine):
    again = mine.parent / "." / mine.name
    assert paths(layers.chosen([str(mine), "bundled", str(again)], None)) == [str(mine), str(bundled_path())]


def test_the_tilde_of_a_layer_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths(layers.chosen([], "~/notes.md")) == [str(tmp_path / "notes.md")]


def test_by_default_the_personal_file_is_over_the_bundled_one_only_if_it_exists():
    assert paths(layers.chosen([], None)) == [str(bundled_path())]
    path = personal_file()
    path.parent.mkdir(parents=True)
    path.write_text(MINE)
    assert paths(layers.chosen([], None)) == [str(path), str(bundled_path())]


def test_the_writable_layer(mine):
    assert layers.chosen([], None).writable() == personal_file()  # need not exist yet
    assert layers.chosen(["bundled", str(mine)], None).writable() == mine
    assert layers.chosen(["bundled"], None).writable() is None
    shipped = str(Path(glossary_module.__file__).parent / "data" / "." / "glossary.md")  # another path
    assert layers.chosen([shipped], None).writable() is None
    assert paths(layers.chosen([shipped], None)) == [str(bundled_path())]


# ----------------------------------------------------------------------------- merging


def test_an_entry_shadows_every_lower_entry_sharing_a_name_or_alias():
    upper = parse("### what is dropout\n- mine\n\n### what is zb\n- aka: ZORB\n- mine too\n", "up.md")
    lower = parse(
        "### what is dropout\n- theirs\n\n### what is zorb\n- theirs\n\n"
        "### what is dropout regularization\n- aka: Dropout\n- theirs\n\n### what is softmax\n- kept\n",
        "low.md",
    )
    merged = layers.merge([upper, lower])
    assert [(e.term, e.definition[0]) for e in merged.entries] == [
        ("dropout", "mine"), ("zb", "mine too"), ("softmax", "kept"),
    ]  # fmt: skip
    assert [(s.upper.term, s.lower.term, s.name) for s in layers.shadows([upper, lower])] == [
        ("dropout", "dropout", "dropout"),
        ("zb", "zorb", "zorb"),
        ("dropout", "dropout regularization", "Dropout"),
    ]
    assert resolve(merged, "zorb").definition == ["mine too"]
    assert resolve(merged, "dropout regularization") is None  # hidden with its entry
    assert merged.path == "up.md"


def test_within_one_layer_nothing_is_hidden():
    one = parse("### what is x\n- first\n\n### what is x\n- second\n")
    assert layers.merge([one]) is one
    assert len(layers.merge([one, parse("### what is y\n- y\n")]).entries) == 3


def test_a_lower_entry_hidden_by_a_hidden_one_is_not_hidden():
    # b hides b of the middle layer; the middle's 'c' alias was its entry's, so c of the bottom stays
    top = parse("### b\n- top\n")
    middle = parse("### b\n- aka: c\n- middle\n")
    bottom = parse("### c\n- bottom\n")
    assert [e.definition[0] for e in layers.merge([top, middle, bottom]).entries] == ["top", "bottom"]


def test_each_entry_knows_the_file_it_came_from(mine):
    parts = layers.read(layers.chosen([str(mine), "bundled"], None))
    merged = layers.merge(parts)
    origins = {e.term: e.origin for e in merged.entries}
    assert origins["zorb"] == str(mine) and origins["softmax"] == str(bundled_path())
    assert resolve(merged, "dropout").line == MINE.splitlines().index("### what is dropout") + 1


def test_a_missing_layer_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope.md"
    with pytest.raises(GlossaryError, match=f"{missing}: no such file"):
        layers.read(layers.chosen([], os.pathsep.join(["bundled", str(missing)])))


# ----------------------------------------------------------------------------- the commands see one glossary


def test_define_shows_your_entry_and_where_it_comes_from(runner, personal):
    result = runner.invoke(app, ["define", "dropout", "--json"])
    data = json.loads(result.stdout)
    assert data["definition"] == ["my words for dropout"]
    assert data["source"] == {"path": str(personal), "line": 3}
    bundled = json.loads(runner.invoke(app, ["define", "softmax", "--json"]).stdout)
    assert bundled["source"]["path"] == str(bundled_path())
    # on a terminal, the panel's footer
    panel = runner.invoke(app, ["define", "zorb", "--color", "always"], env={"COLUMNS": "80"}).stdout
    assert f"{personal}:7" in panel
    assert "bundled:" in runner.invoke(app, ["define", "softmax", "--color", "always"]).stdout


def test_list_marks_your_entries_on_a_terminal_and_json_has_their_path(runner, personal):
    table = runner.invoke(app, ["list", "--color", "always"], env={"COLUMNS": "100"}).stdout
    rows = [line for line in table.splitlines() if "│" in line]
    assert ["✎" in row for row in rows[:3]] == [True, True, False]
    assert "zorb" in rows[1] and "2 yours (✎)" in table
    listed = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert [e["term"] for e in listed[:2]] == ["dropout", "zorb"]
    assert {e["source"]["path"] for e in listed[:2]} == {str(personal)}
    assert len(listed) == len(parse(bundled_path().read_text()).entries) + 1  # dropout shadowed
    plain = runner.invoke(app, ["list"]).stdout.splitlines()
    assert plain[:2] == ["dropout", "zorb"] and "✎" not in "".join(plain)


def test_without_a_personal_file_nothing_changes(runner):
    table = runner.invoke(app, ["list", "--color", "always"]).stdout
    assert "✎" not in table and "yours" not in table


def test_a_glossary_named_alone_hides_the_bundled_one(runner, mine, personal):
    assert runner.invoke(app, ["-g", str(mine), "list"]).stdout.splitlines() == ["dropout", "zorb"]
    both = runner.invoke(app, ["list", "-g", str(mine), "-g", "bundled"]).stdout.splitlines()
    assert both[:2] == ["dropout", "zorb"] and "softmax" in both


def test_layers_before_and_after_the_command_add_up(runner, mine):
    other = mine.with_name("other.md")
    other.write_text("### what is quux\n- other\n")
    result = runner.invoke(app, ["-g", str(other), "list", "-g", str(mine)])
    assert result.stdout.splitlines() == ["quux", "dropout", "zorb"]


def test_the_variable_names_layers(runner, mine, monkeypatch):
    monkeypatch.setenv("MLTERMS_GLOSSARY", os.pathsep.join([str(mine), "bundled"]))
    result = runner.invoke(app, ["define", "zb", "softmax"])
    assert result.exit_code == 0 and result.stdout.startswith("zorb\n")


def test_a_missing_layer_is_one_line_and_exit_2(runner, mine, tmp_path, monkeypatch):
    monkeypatch.setenv("MLTERMS_GLOSSARY", os.pathsep.join([str(mine), str(tmp_path / "gone.md")]))
    for command in (["define", "zorb"], ["list"], ["search", "zorb"], ["check"], ["quiz", "-n", "1"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert result.stderr == f"mlterms: {tmp_path / 'gone.md'}: no such file\n", command


def test_path_quiz_and_export_see_the_merged_glossary(runner, personal, tmp_path):
    personal.write_text(MINE + "\n### what is blorp\n- builds on: zorb, softmax\n- a thing on top\n")
    order = runner.invoke(app, ["path", "blorp"]).stdout.splitlines()
    assert order[-1] == "blorp" and "zorb" in order and "softmax" in order
    typed = runner.invoke(app, ["quiz", "-t", "zorb", "--mode", "typed", "--no-save"], input="zorb\n")
    assert typed.exit_code == 0 and "a made-up term of my own" in typed.stdout
    deck = tmp_path / "deck.csv"
    assert runner.invoke(app, ["export", str(deck)]).exit_code == 0
    assert "a made-up term of my own" in deck.read_text() and "my words for dropout" in deck.read_text()


def test_check_checks_every_layer_and_shadowing_is_information(runner, personal):
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert result.stdout == f"{personal}:3: shadows: 'dropout' shadows 'dropout' of bundled:51\n"
    personal.write_text(MINE + "- see also: nowhere\n")
    result = runner.invoke(app, ["check", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["layers"] == [str(personal), str(bundled_path())]
    assert [(f["path"], f["kind"], f["info"]) for f in data["findings"]] == [
        (str(personal), "shadows", True),
        (str(personal), "see-also", False),
    ]


def test_check_a_layer_by_name_uses_the_layers_below_it(runner, personal, tmp_path):
    # 'see also: softmax' points into the bundled glossary: fine as a layer, a finding alone
    assert runner.invoke(app, ["check", str(personal)]).exit_code == 0
    alone = tmp_path / "alone.md"
    alone.write_text(MINE)
    result = runner.invoke(app, ["check", str(alone)])
    assert result.exit_code == 1 and "see also 'softmax' of 'dropout' is not in the glossary" in result.stdout


def test_a_builds_on_cycle_through_two_layers_is_found(runner, personal):
    # the bundled 'logits' is built on by softmax; my 'logits' builds on softmax: a cycle across layers
    personal.write_text("### what is logits\n- mine\n- builds on: softmax\n")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert f"{personal}:3: cycle: cycle: logits -> softmax -> logits" in result.stdout.splitlines()


def test_show_paths_lists_the_layers_the_state_and_the_cache(runner, mine, personal, monkeypatch):
    home = Path(os.environ["MLTERMS_HOME"])
    lines = runner.invoke(app, ["--show-paths"]).stdout.splitlines()
    assert lines == [
        f"glossary  {personal}  (yours: add and edit write here)",
        f"glossary  {bundled_path()}  (bundled, read only)",
        f"state     {home / 'state.json'}",
        f"cache     {os.environ['MLTERMS_CACHE']}",
    ]
    named = runner.invoke(app, ["-g", "bundled", "-g", str(mine), "--show-paths"]).stdout.splitlines()
    assert named[:2] == [
        f"glossary  {bundled_path()}  (bundled, read only)",
        f"glossary  {mine}  (yours: add and edit write here)",
    ]
    personal.unlink()
    fresh = runner.invoke(app, ["--show-paths"]).stdout.splitlines()
    assert fresh[1] == f"glossary  {personal}  (yours, not created yet: mlterms add creates it)"


def test_no_command_is_still_a_usage_error(runner):
    result = runner.invoke(app, ["--color", "never"])
    assert result.exit_code == 2 and "Missing command" in result.stderr


def test_an_entry_keeps_the_demo_of_the_entry_it_shadows(runner, personal):
    from mlterms.cli.demo import pick_demos
    from mlterms.render import Output

    personal.write_text("### what is layer norm\n- aka: ln\n- my words\n")
    data = json.loads(runner.invoke(app, ["define", "ln", "--json"]).stdout)
    assert data["term"] == "layer norm" and data["demo"] == "mlterms demo layer norm"
    merged = layers.merge(layers.read(layers.chosen([], None)))
    assert merged.hides == {"layer norm": ["layer normalization"]}
    assert pick_demos(Output(), merged, ["ln"]) == (["layer normalization"], 0)
    order = runner.invoke(app, ["path", "ln", "--json"]).stdout
    assert json.loads(order)[-1]["demo"] is True
