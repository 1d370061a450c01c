"""Shared test fixtures: an isolated home, cache and glossary for every test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "seed-glossary.md"  # the author's original notes
BUNDLED = ROOT / "glossary.md"

SMALL = """\
# my notes

### what is dropout
- aka: dropout regularization
- zeroes each unit with probability p during training
- see also: overfitting

### What is an Overfitting?
- fits the training data too well
- generalizes badly

### what is a batch normalization
- aka: bn, batchnorm
- normalizes over the batch
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real state, cache or glossary."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MLTERMS_HOME", str(home / "data"))
    monkeypatch.setenv("MLTERMS_CACHE", str(home / "cache"))
    for name in ("MLTERMS_GLOSSARY", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.md"
    path.write_text(SMALL, encoding="utf-8")
    return path


PROBE = """
import sys
from mlterms.cli import run
sys.argv = ["mlterms", *sys.argv[1:]]
try:
    run()
except SystemExit:
    pass
print("LOADED:" + ",".join(m for m in ("numpy", "pandas", "rich", "textual", "torch") if m in sys.modules), file=sys.stderr)
print("MLTERMS:" + ",".join(sorted(m for m in sys.modules if m.startswith("mlterms"))), file=sys.stderr)
"""


def run_probed(*args: str, input: str = "", env: dict | None = None, timeout: int = 120):
    """Run the CLI in a fresh interpreter; return (heavy modules it loaded, the finished process)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED:"))
    return set(filter(None, line.removeprefix("LOADED:").split(","))), done


def mlterms_modules(done: subprocess.CompletedProcess) -> set[str]:
    """The mlterms modules a run_probed process imported."""
    line = next(line for line in done.stderr.splitlines() if line.startswith("MLTERMS:"))
    return set(filter(None, line.removeprefix("MLTERMS:").split(",")))


@pytest.fixture
def glossary():
    """The quiz tests' notes (tests/quizdata.py), parsed."""
    from mlterms.glossary import parse

    from .quizdata import NOTES

    return parse(NOTES, "notes.md")


@pytest.fixture
def progress(tmp_path):
    """A fresh quiz state in a temp folder, with no fuzz in the intervals."""
    from mlterms.quiz.state import Progress

    return Progress.open(tmp_path / "state" / "state.json", fuzz=False)
