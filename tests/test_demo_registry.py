"""The demo registry: the catalog matches the decorators, and every seed term has a demo."""

from __future__ import annotations

from mlterms.demos import CATALOG, registry
from mlterms.glossary import load

from .conftest import SEED


def test_catalog_matches_what_the_themes_register():
    assert registry.registered() == CATALOG


def test_every_seed_term_has_a_demo():
    missing = [e.term for e in load(SEED).entries if not registry.has_demo(e.term)]
    assert missing == []


def test_names_are_sorted_and_complete():
    assert registry.names() == sorted(CATALOG)
