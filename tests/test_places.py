"""The data home: $MLTERMS_HOME, else the user data dir, the same as platformdirs says."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from platformdirs import user_data_dir

from mlterms import places


def test_mlterms_home_wins_and_expands_the_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MLTERMS_HOME", "~/notes-home")
    assert places.home() == tmp_path / "notes-home"
    assert places.personal_file() == tmp_path / "notes-home" / "glossary.md"
    assert places.state_file() == tmp_path / "notes-home" / "state.json"


@pytest.mark.parametrize(
    "env",
    [
        {"XDG_DATA_HOME": None, "HOME": "/home/ada"},
        {"XDG_DATA_HOME": "", "HOME": "/home/ada"},
        {"XDG_DATA_HOME": "/srv/data", "HOME": "/home/ada"},
        {"XDG_DATA_HOME": "relative/data", "HOME": "/home/ada"},
        {"XDG_DATA_HOME": None, "HOME": "/home/ada/"},
        {"XDG_DATA_HOME": "/srv/data/", "HOME": "/home/ada"},
    ],
)
def test_the_data_dir_is_what_platformdirs_says(monkeypatch, env):
    monkeypatch.delenv("MLTERMS_HOME")
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert places.home() == Path(user_data_dir("mlterms", appauthor=False))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick rule is for Linux")
def test_on_linux_the_data_dir_needs_no_platformdirs(monkeypatch):
    monkeypatch.delenv("MLTERMS_HOME")
    monkeypatch.setenv("HOME", "/home/ada")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # importing it would now fail
    assert places.home() == Path("/home/ada/.local/share/mlterms")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick rule is for Linux")
def test_define_with_a_personal_file_never_imports_platformdirs(tmp_path):
    import os
    import subprocess

    notes = tmp_path / "share" / "mlterms" / "glossary.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("### what is zorb\n- mine\n")
    probe = (
        "import sys\nsys.argv = ['mlterms', 'define', 'zorb']\nfrom mlterms.cli import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\nprint('platformdirs' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "MLTERMS_HOME"}
    env |= {"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "share")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.splitlines() == ["zorb", "- mine", "False"], done.stderr
