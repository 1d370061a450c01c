"""Shared test fixtures: an isolated home, cache and glossary for every test."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed-glossary.md"
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
