"""`mlterms add` and `mlterms edit` through the CLI: where they write, what they say, exit codes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from mlterms.cli import app
from mlterms.cli import notes as cli_notes
from mlterms.glossary import bundled_path, parse
from mlterms.names import key
from mlterms.notes import TITLE
from mlterms.places import personal_file

from .test_editor import fake_editor, logged

LAYER_NORM = [
    "add", "layer norm", "-d", "normalizes each example over its features", "-d", "used in transformers",
    "--aka", "ln, layernorm", "--see-also", "batch normalization", "--builds-on", "normalization",
    "--source", "https://arxiv.org/abs/1607.06450",
]  # fmt: skip


def shipped_hash() -> str:
    return hashlib.sha256(bundled_path().read_bytes()).hexdigest()


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """$EDITOR is a fake vi that records its argv in the returned log and inserts a bullet."""
    log = tmp_path / "argv.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(fake_editor(tmp_path / "bin", "vi")))
    return log


# ----------------------------------------------------------------------------- add


def test_add_creates_the_personal_file_and_the_entry_is_found_at_once(runner):
    result = runner.invoke(app, LAYER_NORM)
    path = personal_file()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"Added 'layer norm' to {path}:3:"
    assert "It shadows 'layer normalization' of bundled:" in result.stdout  # its alias 'layer norm'
    text = path.read_text()
    assert text.startswith(f"{TITLE}\n\n### what is layer norm\n- aka: ln, layernorm\n")
    (entry,) = parse(text).entries
    assert entry.definition == ["normalizes each example over its features", "used in transformers"]
    defined = json.loads(runner.invoke(app, ["define", "ln", "--json"]).stdout)
    assert defined["term"] == "layer norm" and defined["source"] == {"path": str(path), "line": 3}
    assert runner.invoke(app, ["search", "layer", "norm"]).stdout.startswith("layer norm\t")
    quiz = runner.invoke(
        app, ["quiz", "-t", "layer norm", "--mode", "typed", "--no-save"], input="layer norm\n"
    )
    assert quiz.exit_code == 0 and "normalizes each example" in quiz.stdout


def test_add_a_second_term_keeps_the_first(runner):
    runner.invoke(app, LAYER_NORM)
    before = personal_file().read_bytes()
    assert runner.invoke(app, ["add", "zorb", "-d", "mine"]).exit_code == 0
    after = personal_file().read_bytes()
    assert after.startswith(before) and after.endswith(b"\n\n### what is zorb\n- mine\n")


def test_a_term_already_in_your_file_is_refused_with_a_hint(runner):
    runner.invoke(app, LAYER_NORM)
    before = personal_file().read_bytes()
    for term in ("layer norm", "Layer-Norm", "LN"):
        result = runner.invoke(app, ["add", term, "-d", "again"])
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == f'mlterms: already in {personal_file()}:3; use mlterms edit "layer norm"\n'
    assert personal_file().read_bytes() == before


def test_add_json_says_what_and_where(runner):
    data = json.loads(
        runner.invoke(app, ["add", "dropout", "-d", "mine", "--see-also", "nowhere", "--json"]).stdout
    )
    assert data["source"] == {"path": str(personal_file()), "line": 3}
    assert data["shadows"] == [{"term": "dropout", "source": {"path": str(bundled_path()), "line": 51}}]
    assert [(f["path"], f["line"], f["kind"], f["info"]) for f in data["findings"]] == [
        (str(personal_file()), 5, "see-also", False)
    ]


def test_add_writes_the_first_file_layer_named(runner, tmp_path):
    mine = tmp_path / "mine.md"
    mine.write_text("# mine\r\n")
    result = runner.invoke(app, ["-g", "bundled", "-g", str(mine), "add", "zorb", "-d", "mine"])
    assert result.exit_code == 0 and mine.read_bytes() == b"# mine\r\n\r\n### what is zorb\r\n- mine\r\n"
    assert not personal_file().exists()


def test_add_refuses_when_no_layer_can_be_written(runner, tmp_path):
    result = runner.invoke(app, ["-g", "bundled", "add", "zorb", "-d", "mine"])
    assert result.exit_code == 2 and result.stderr.startswith("mlterms: no file of your own among the layers")
    missing = tmp_path / "missing.md"
    result = runner.invoke(app, ["add", "zorb", "-d", "mine", "-g", str(missing)])
    assert result.exit_code == 2 and result.stderr == f"mlterms: {missing}: no such file\n"
    assert not missing.exists()


def test_add_reads_bullets_from_stdin(runner):
    result = runner.invoke(app, ["add", "zorb", "--aka", "zb"], input="- first\nsecond\nsee also: dropout\n")
    assert result.exit_code == 0
    (entry,) = parse(personal_file().read_text()).entries
    assert (entry.definition, entry.aliases, entry.see_also) == (["first", "second"], ["zb"], ["dropout"])


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "zorb"], "", "no definition"),
        (["add", "zorb"], "\n\n", "no definition"),
        (["add", "zorb", "-d", "aka: x"], "", "would read as a field"),
        (["add", " ", "-d", "x"], "", "the term is empty"),
        (["add", "a priori", "-d", "x"], "", "cannot be a heading"),
    ],
)
def test_add_usage_errors_are_one_line_and_exit_2(runner, args, stdin, message):
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and message in result.stderr
    assert not personal_file().exists()


def test_add_on_a_terminal_opens_the_editor_on_a_template(runner, fake, monkeypatch):
    monkeypatch.setattr(cli_notes, "stdin_is_terminal", lambda: True)
    monkeypatch.setenv("FAKE_TEXT", "- written in the editor")
    result = runner.invoke(app, ["add", "zorb", "--aka", "zb"])
    assert result.exit_code == 0, result.output
    (entry,) = parse(personal_file().read_text()).entries
    assert entry.aliases == ["zb"] and entry.definition == ["written in the editor"]
    (argv,) = logged(fake)
    assert argv[1].startswith("+") and argv[2].endswith(".md")


def test_an_untouched_template_adds_nothing(runner, monkeypatch):
    monkeypatch.setattr(cli_notes, "stdin_is_terminal", lambda: True)
    monkeypatch.setenv("EDITOR", "true")
    result = runner.invoke(app, ["add", "zorb"])
    assert result.exit_code == 1 and "nothing added" in result.stderr
    assert not personal_file().exists()


# ----------------------------------------------------------------------------- edit


def test_edit_opens_your_entry_at_its_heading_and_prints_its_findings(runner, fake, monkeypatch):
    runner.invoke(app, ["add", "zorb", "-d", "mine"])
    runner.invoke(app, ["add", "blorp", "-d", "mine too"])
    monkeypatch.setenv("FAKE_TEXT", "- see also: nowhere")
    result = runner.invoke(app, ["edit", "blorp"])
    path = personal_file()
    assert result.exit_code == 0, result.output
    assert logged(fake) == [["vi", "+6", str(path)]]
    assert result.stdout.splitlines() == [
        f"Edited 'blorp' in {path}:6.",
        f"{path}:7: see-also: see also 'nowhere' of 'blorp' is not in the glossary",
    ]


def test_edit_copies_a_bundled_entry_first_and_never_writes_the_shipped_file(runner, fake):
    before = shipped_hash()
    result = runner.invoke(app, ["edit", "softmax"])
    assert result.exit_code == 0, result.output
    assert shipped_hash() == before
    path = personal_file()
    assert result.stdout.startswith(f"Copied 'softmax' of bundled:139 into {path}:3, and edited it.\n")
    assert logged(fake) == [["vi", "+3", str(path)]]
    defined = json.loads(runner.invoke(app, ["define", "softmax", "--json"]).stdout)
    assert defined["definition"][0] == "edited by a fake editor" and defined["source"]["path"] == str(path)
    assert defined["aliases"] == ["softmax function"]  # the copy is the whole entry
    again = runner.invoke(app, ["edit", "softmax"])  # now yours: edited in place, not copied again
    assert again.stdout.startswith(f"Edited 'softmax' in {path}:3.")
    assert len(parse(path.read_text()).entries) == 1


def test_a_copy_left_unchanged_is_taken_back(runner, monkeypatch):
    monkeypatch.setenv("EDITOR", "true")
    result = runner.invoke(app, ["edit", "softmax"])
    assert result.exit_code == 0 and "No change: the copy is removed" in result.stdout
    assert not personal_file().exists()
    runner.invoke(app, ["add", "zorb", "-d", "mine"])
    before = personal_file().read_bytes()
    runner.invoke(app, ["edit", "softmax"])
    assert personal_file().read_bytes() == before


def test_an_editor_that_fails_is_reported_with_exit_2(runner, fake, monkeypatch):
    monkeypatch.setenv("FAKE_STATUS", "4")
    result = runner.invoke(app, ["edit", "softmax"])
    assert result.exit_code == 2 and result.stderr == "mlterms: the editor exited with status 4\n"
    monkeypatch.setenv("EDITOR", "false")
    result = runner.invoke(app, ["edit", "relu"])
    assert result.exit_code == 2 and "status 1" in result.stderr


def test_no_editor_or_a_missing_one_writes_nothing(runner, monkeypatch, tmp_path):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    result = runner.invoke(app, ["edit", "softmax"])
    assert result.exit_code == 2 and "editor not found" in result.stderr
    monkeypatch.delenv("EDITOR")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["edit", "softmax"])
    assert result.exit_code == 2 and result.stderr.startswith("mlterms: no editor: set $VISUAL or $EDITOR")
    assert not personal_file().exists()


def test_edit_path_prints_file_and_line_without_an_editor(runner, monkeypatch, tmp_path):
    monkeypatch.setenv("EDITOR", str(tmp_path / "never-run"))
    runner.invoke(app, ["add", "zorb", "-d", "mine"])
    for flag in ("--path", "--where"):
        result = runner.invoke(app, ["edit", "zorb", flag])
        assert result.exit_code == 0 and result.stdout == f"{personal_file()}:3\n"
    result = runner.invoke(app, ["edit", "bn", "--path"])  # bundled: copied, so that it can be edited
    assert result.stdout == f"{personal_file()}:6\n"
    assert parse(personal_file().read_text()).entries[1].term == "batch normalization"


def test_edit_an_unknown_term_suggests(runner):
    result = runner.invoke(app, ["edit", "dropuot"])
    assert result.exit_code == 1 and "Did you mean: dropout?" in result.stderr


def test_edit_an_entry_of_a_named_layer_in_place(runner, fake, tmp_path):
    other = tmp_path / "other.md"
    other.write_text("### what is quux\n- q\n")
    mine = tmp_path / "mine.md"
    mine.write_text("# mine\n")
    result = runner.invoke(app, ["-g", str(mine), "-g", str(other), "edit", "quux"])
    assert result.exit_code == 0 and logged(fake) == [["vi", "+1", str(other)]]
    assert other.read_text().startswith("### what is quux\n- edited by a fake editor\n")
    assert mine.read_text() == "# mine\n"


def test_editing_keeps_the_quiz_progress_of_the_card(runner, fake):
    from mlterms.quiz.state import Progress

    runner.invoke(app, ["add", "zorb", "-d", "mine"])
    Progress.open().review(key("zorb"), "zorb", 3, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert runner.invoke(app, ["edit", "zorb"]).exit_code == 0
    card = Progress.open().get(key("zorb"))
    assert card is not None and len(card.log) == 1
    stats = json.loads(runner.invoke(app, ["quiz", "--stats", "--json"]).stdout)
    assert stats["seen"] == 1


def test_edit_completes_term_names(runner):
    from .test_startup import complete

    assert complete("mlterms edit Drop") == ["Dropout", "Dropout regularization"]
