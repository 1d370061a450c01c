"""The package's front door: small glossaries in memory, big ones cached, warm hits without parsing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import mlterms.search as search_package
from mlterms.glossary import GlossaryError, parse
from mlterms.search import index, search, search_file, search_text

from .conftest import GLOSSARY, big_glossary, index_files


def test_small_glossary_needs_no_cache_file(glossary, cache):
    search(glossary, "dropout")
    search_text(GLOSSARY, "dropout")
    assert index_files(cache) == []


def test_big_glossary_is_cached_and_a_warm_hit_gives_the_same_results(cache, monkeypatch):
    g = parse(big_glossary(search_package.SMALL_ENTRIES + 10))
    cold = search(g, "gradient body", limit=5)
    [name] = index_files(cache)
    assert name.startswith("search-") and name.endswith(".sqlite")

    def no_build(*args):
        raise AssertionError("a warm search must not rebuild the index")

    monkeypatch.setattr(index, "build", no_build)
    assert search(g, "gradient body", limit=5) == cold
    assert len(cold) == 5


def test_search_text_warm_hit_does_not_parse(cached, cache, monkeypatch):
    cold = search_text(GLOSSARY, "prevent overfitting")
    assert cold == search(parse(GLOSSARY), "prevent overfitting")
    monkeypatch.setattr(search_package, "parse", lambda *a: pytest.fail("parsed on a warm hit"))
    assert search_text(GLOSSARY, "prevent overfitting") == cold


def test_search_text_of_a_big_text_is_search_of_its_parse(cache):
    text = big_glossary(search_package.SMALL_BYTES // 40, extra="### what is dropout\n- zeroes units\n")
    assert len(text) >= search_package.SMALL_BYTES
    for query in ("dropout", "gradients", "term 7", "dropuot"):
        assert search_text(text, query, limit=7) == search(parse(text), query, limit=7)
    assert len(index_files(cache)) == 2  # the same index twice: named by the text, and by the entries


def test_search_file_is_search_text_of_its_text_and_shares_its_cache_file(cache, tmp_path):
    text = "\ufeff" + big_glossary(
        search_package.SMALL_BYTES // 40, extra="### what is dropout\n- zeroes units\n"
    )
    path = tmp_path / "big.md"
    path.write_text(text, encoding="utf-8")
    for query in ("dropout", "gradients", "dropuot"):
        assert search_file(path, query, limit=7) == search_text(text, query, limit=7)
    assert len(index_files(cache)) == 1  # the bytes' hash is the text's hash


def test_search_file_warm_hit_neither_decodes_nor_parses(cache, tmp_path, monkeypatch):
    path = tmp_path / "big.md"
    path.write_text(big_glossary(search_package.SMALL_BYTES // 40), encoding="utf-8")
    cold = search_file(path, "gradient body")
    monkeypatch.setattr(search_package, "parse", lambda *a: pytest.fail("parsed on a warm hit"))
    monkeypatch.setattr(search_package, "decode", lambda *a: pytest.fail("decoded on a warm hit"))
    assert search_file(path, "gradient body") == cold and cold


def test_search_file_of_an_unreadable_or_binary_file_is_a_glossary_error(cache, tmp_path):
    with pytest.raises(GlossaryError, match="no such file"):
        search_file(tmp_path / "missing.md", "x")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"### what is x\n- \xff\n" * 2000)
    with pytest.raises(GlossaryError, match="not UTF-8"):
        search_file(bad, "x")
    assert index_files(cache) == []


def test_search_imports_neither_torch_nor_numpy(tmp_path):
    code = (
        "import sys\n"
        "from mlterms.glossary import parse\n"
        "from mlterms.search import search, search_text\n"
        f"g = parse({GLOSSARY!r})\n"
        "assert search(g, 'dropuot')\n"  # the fuzzy path (rapidfuzz) too
        f"assert search_text({big_glossary(400)!r}, 'gradient body')\n"
        "bad = [m for m in ('torch', 'numpy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "MLTERMS_CACHE": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
