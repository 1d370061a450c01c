"""Ranking measured, not guessed: learners' questions with acceptable answers, on the bundled glossary.

tests/data/search-queries.tsv is the public set (copied as given) plus our own cases below it:
`query<TAB>answer|answer...<TAB>k`. A query is a hit when one of its answers ranks within the
top k; the reciprocal rank is 1/rank of the first answer in the top 10 (0 if none).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlterms.glossary import bundled_path, load
from mlterms.names import key
from mlterms.search import search

CASES = Path(__file__).parent.parent / "data" / "search-queries.tsv"


def cases() -> list[tuple[str, set[str], int]]:
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, answers, k = line.split("\t")
            rows.append((query, {key(a) for a in answers.split("|")}, int(k)))
    return rows


def rank(glossary, query: str, answers: set[str]) -> int | None:
    found = [key(h.term) for h in search(glossary, query, limit=10)]
    return next((i for i, term in enumerate(found, start=1) if term in answers), None)


@pytest.fixture(scope="module")
def ranks():
    glossary = load(bundled_path())
    return [(query, k, rank(glossary, query, answers)) for query, answers, k in cases()]


def test_every_answer_is_a_bundled_term():
    terms = {key(e.term) for e in load(bundled_path()).entries}
    missing = [(q, a) for q, answers, _ in cases() for a in answers if a not in terms]
    assert missing == []


def test_hit_at_k_is_at_least_90_percent(ranks):
    misses = [(q, r, k) for q, k, r in ranks if r is None or r > k]
    assert 1 - len(misses) / len(ranks) >= 0.9, misses


def test_mean_reciprocal_rank_is_at_least_0_8(ranks):
    mrr = sum(1 / r for _, _, r in ranks if r) / len(ranks)
    assert mrr >= 0.8, [(q, r) for q, _, r in ranks if r != 1]
