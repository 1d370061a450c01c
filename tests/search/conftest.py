"""Shared by the search tests: a small glossary, a cache dir per test, and helpers."""

from __future__ import annotations

import pytest

import mlterms.search as search_package
from mlterms.glossary import parse
from mlterms.search import Hit

GLOSSARY = """\
# notes

### what is dropout
- aka: dropout regularization
- each unit is zeroed with probability p during training, helps prevent overfitting
- see also: overfitting, regularization

### what is spatial dropout
- drops whole feature maps instead of single units

### what is overfitting
- the model memorizes the training set and does badly on new data
- see also: regularization

### what is regularization
- anything that reduces overfitting: weight decay, dropout, early stopping
- a way to prevent overfitting by limiting model complexity

### what is batch normalization
- aka: batchnorm
- normalizing each feature over the batch, then a learned scale and shift

### what is dense layer
- every unit is connected to every unit of the layer before

### what is an epoch
- one pass over the training data; overfitting shows as validation loss going up
"""


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache dir: the user's real cache is never touched."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("MLTERMS_CACHE", str(directory))
    return directory


@pytest.fixture
def glossary():
    return parse(GLOSSARY)


@pytest.fixture
def cached(monkeypatch):
    """Make every glossary 'big', so that search goes through the cache file."""
    monkeypatch.setattr(search_package, "SMALL_ENTRIES", 0)
    monkeypatch.setattr(search_package, "SMALL_BYTES", 0)


def terms(hits: list[Hit]) -> list[str]:
    return [h.term for h in hits]


def big_glossary(n: int, extra: str = "") -> str:
    parts = [f"### what is term {i}\n- body text number {i} about gradients\n" for i in range(n)]
    return "".join(parts) + extra


def index_files(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
