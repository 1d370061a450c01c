"""The editor: which one, its own way of opening a file at a line, running it, and its failures."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from mlterms import editor
from mlterms.editor import EditorError

# A fake editor: records its arguments, finds the file and line in the form its name calls for
# (+N FILE, FILE:N or -g FILE:N), inserts a bullet after that line, and exits with $FAKE_STATUS.
FAKE = """\
#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), *args]) + "\\n")
words = [a for a in args if not a.startswith("--")]
if words[0].startswith("+"):
    line, path = int(words[0][1:]), words[1]
else:
    target = words[1] if words[0] == "-g" else words[0]
    if target.rsplit(":", 1)[-1].isdigit():
        path, line = target.rsplit(":", 1)[0], int(target.rsplit(":", 1)[1])
    else:
        path, line = target, 1
lines = open(path, encoding="utf-8", newline="").read().split("\\n")
lines.insert(line, os.environ.get("FAKE_TEXT", "- edited by a fake editor"))
open(path, "w", encoding="utf-8", newline="").write("\\n".join(lines))
sys.exit(int(os.environ.get("FAKE_STATUS", "0")))
"""


def fake_editor(directory: Path, name: str) -> Path:
    """An executable fake editor called `name` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(0o755)
    return path


def logged(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def no_editor_set(monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def test_visual_then_editor_split_like_a_shell(monkeypatch, no_editor_set):
    monkeypatch.setenv("EDITOR", "code --wait")
    assert editor.chosen() == ["code", "--wait"]
    monkeypatch.setenv("VISUAL", "'/opt/my editor/bin/ed' -q")
    assert editor.chosen() == ["/opt/my editor/bin/ed", "-q"]
    monkeypatch.setenv("VISUAL", "   ")
    assert editor.chosen() == ["code", "--wait"]  # blank is unset


def test_without_a_variable_nano_then_vi_from_path(monkeypatch, no_editor_set, tmp_path):
    bin_dir = tmp_path / "bin"
    vi = fake_editor(bin_dir, "vi")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert editor.chosen() == [str(vi)]
    nano = fake_editor(bin_dir, "nano")
    assert editor.chosen() == [str(nano)]


def test_no_editor_at_all_is_one_line(monkeypatch, no_editor_set, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EditorError, match=r"^no editor: set \$VISUAL or \$EDITOR"):
        editor.chosen()


def test_an_unbalanced_quote_is_an_error_naming_the_variable(monkeypatch, no_editor_set):
    monkeypatch.setenv("EDITOR", "vim 'oops")
    with pytest.raises(EditorError, match=r"\$EDITOR is not a command line"):
        editor.chosen()


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["vi"], ["vi", "+12", "/n.md"]),
        (["/usr/bin/nvim"], ["/usr/bin/nvim", "+12", "/n.md"]),
        (["vim"], ["vim", "+12", "/n.md"]),
        (["nano"], ["nano", "+12", "/n.md"]),
        (["emacs", "-nw"], ["emacs", "-nw", "+12", "/n.md"]),
        (["micro"], ["micro", "+12", "/n.md"]),
        (["kak"], ["kak", "+12", "/n.md"]),
        (["hx"], ["hx", "/n.md:12"]),
        (["code", "--wait"], ["code", "--wait", "-g", "/n.md:12"]),
        (["C:/Tools/Code.exe"], ["C:/Tools/Code.exe", "-g", "/n.md:12"]),
        (["gedit"], ["gedit", "/n.md"]),  # no known way to give the line
    ],
)
def test_each_editor_gets_the_line_in_its_own_form(command, expected):
    assert editor.at_line(command, Path("/n.md"), 12) == expected


@pytest.mark.parametrize("name", ["vi", "hx", "code", "nano", "gedit"])
def test_a_fake_editor_edits_the_file_at_the_line(tmp_path, monkeypatch, name):
    log = tmp_path / "argv.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    exe = fake_editor(tmp_path / "bin", name)
    notes = tmp_path / "notes.md"
    notes.write_text("# t\n\n### what is x\n- y\n")
    assert editor.run(editor.at_line([str(exe)], notes, 3)) == 0
    line = 3 if name != "gedit" else 1
    assert notes.read_text().split("\n")[line] == "- edited by a fake editor"
    assert logged(log)[0][0] == name


def test_the_editors_status_is_returned_and_a_missing_one_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "argv.log"))
    monkeypatch.setenv("FAKE_STATUS", "3")
    exe = fake_editor(tmp_path / "bin", "vi")
    notes = tmp_path / "notes.md"
    notes.write_text("### x\n- y\n")
    assert editor.run([str(exe), "+1", str(notes)]) == 3
    with pytest.raises(EditorError, match="editor not found: /nowhere/vi"):
        editor.run(["/nowhere/vi", str(notes)])
    plain = tmp_path / "not-executable"
    plain.write_text("")
    with pytest.raises(EditorError, match="permission denied"):
        editor.run([str(plain)])


def test_edit_text_returns_what_was_saved_and_leaves_no_file(tmp_path, monkeypatch, no_editor_set):
    log = tmp_path / "argv.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("EDITOR", str(fake_editor(tmp_path / "bin", "vi")))
    assert editor.edit_text("a\nb\n", 1) == "a\n- edited by a fake editor\nb\n"
    (argv,) = logged(log)
    assert argv[1] == "+1" and argv[2].endswith(".md") and not os.path.exists(argv[2])
    monkeypatch.setenv("FAKE_STATUS", "1")
    with pytest.raises(EditorError, match="exited with status 1"):
        editor.edit_text("a\n", 1)
