"""catalog: demo names from file names alone, without importing a demo (or the registry)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlterms.demos import catalog

DEMOS = Path(catalog.HERE)


def test_every_demo_file_is_named_and_nothing_else():
    files = {
        p.stem.replace("__", "-").replace("_", " "): f"mlterms.demos.{p.parent.name}.{p.stem}"
        for p in DEMOS.glob("*/*.py")
        if p.parent.name not in catalog.NOT_THEMES and not p.name.startswith("_")
    }
    assert catalog.catalog() == files and len(files) > 100
    assert not any(name.startswith(("hand ", "registry", "answers")) for name in catalog.names())


def test_names_include_demos_registered_under_a_name_of_their_own(monkeypatch):
    monkeypatch.setitem(catalog.REGISTERED, "made up demo", object())
    assert "made up demo" in catalog.names() and catalog.names() == sorted(catalog.names())


def test_the_catalog_imports_no_demo_and_not_the_registry():
    code = "import sys; from mlterms.demos import catalog; catalog.names(); print(sorted(m for m in sys.modules if m.startswith('mlterms')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['mlterms', 'mlterms.demos', 'mlterms.demos.catalog']"


def test_demo_names_are_spelled_like_their_bundled_terms():
    """'__' in a file name is a hyphen: the demo of 'top-k sampling' is not 'top k sampling'."""
    from mlterms.glossary import bundled_path, load
    from mlterms.names import key

    terms = {key(e.term): e.term for e in load(bundled_path()).entries}
    assert catalog.name_of_stem("one__shot_learning") == "one-shot learning"
    for name in catalog.names():
        assert terms.get(key(name), name) == name, f"{name!r} is spelled {terms[key(name)]!r} in the glossary"
