"""Search over layered glossaries: one index per layer, shadowed entries dropped, hits merged."""

from __future__ import annotations

import pytest

from mlterms.glossary import parse
from mlterms.layers import merge
from mlterms.search import search, search_layers, search_text

from .conftest import GLOSSARY, index_files, terms


@pytest.fixture
def files(tmp_path):
    """files(text, ...) -> the paths of files holding these texts: layers are files."""
    made = []

    def write(*texts: str) -> list:
        paths = []
        for text in texts:
            path = tmp_path / f"layer{len(made)}.md"
            path.write_text(text, encoding="utf-8")
            made.append(path)
            paths.append(path)
        return paths

    return write


MINE = """\
### what is dropout
- aka: my dropout
- my own words: switch units off at random while training

### what is zorb
- a made-up regularizer that fights overfitting with zorbing
"""


@pytest.mark.parametrize("big", [False, True])
def test_a_shadowed_entry_is_not_found_in_its_layer(big, monkeypatch, files):
    if big:  # every layer through its cache file
        import mlterms.search as package

        monkeypatch.setattr(package, "SMALL_ENTRIES", 0)
        monkeypatch.setattr(package, "SMALL_BYTES", 0)
    hits = search_layers(files(MINE, GLOSSARY), "dropout")
    assert terms(hits)[0] == "dropout" and hits[0].snippet.startswith("my own words")
    assert terms(hits).count("dropout") == 1
    assert "dropout regularization" not in " ".join(h.snippet for h in hits)
    assert "spatial dropout" in terms(hits)  # not a name of mine: still found


def test_an_alias_of_mine_hides_the_lower_entry_it_names(files):
    lower = GLOSSARY + "\n### what is my dropout\n- theirs\n"
    assert "my dropout" not in terms(search_layers(files(MINE, lower), "my dropout", limit=20))


def test_hits_are_merged_by_score_over_the_layers(files):
    hits = search_layers(files(MINE, GLOSSARY), "overfitting", limit=20)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert set(terms(hits)) >= {"zorb", "overfitting", "regularization"}
    # the same hits the merged glossary gives, whatever the order within a tie
    merged = merge([parse(MINE), parse(GLOSSARY)])
    assert set(terms(hits)) == set(terms(search(merged, "overfitting", limit=20)))


def test_the_limit_holds_over_the_layers(files):
    assert len(search_layers(files(MINE, GLOSSARY), "overfitting", limit=2)) == 2


def test_one_layer_is_search_text(files):
    assert search_layers(files(GLOSSARY), "overfit") == search_text(GLOSSARY, "overfit")


def test_changing_the_top_layer_reindexes_only_it(cached, cache, files):
    lower = GLOSSARY * 1  # cached on its own content
    search_layers(files(MINE, lower), "dropout")
    before = {p.name: p.stat().st_ino for p in cache.iterdir() if p.suffix == ".sqlite"}
    assert len(before) == 2
    search_layers(files(MINE + "\n### what is blorp\n- new\n", lower), "blorp")
    after = {p.name: p.stat().st_ino for p in cache.iterdir() if p.suffix == ".sqlite"}
    assert len(index_files(cache)) == 3 and len(after) == 3
    assert all(after[name] == inode for name, inode in before.items())  # none rebuilt
