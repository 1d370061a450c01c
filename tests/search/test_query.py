"""Ranking: tiers, bm25 order, stemming, typos, limits, and queries that must never raise."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlterms.glossary import parse
from mlterms.search import Hit, search, snippet
from mlterms.search.index import build, rows_of
from mlterms.search.query import MAX_WORD_CHARS, MAX_WORDS, run, tiers, words

from .conftest import GLOSSARY, terms


def test_exact_name_is_first(glossary):
    hits = search(glossary, "dropout")
    assert hits[0].term == "dropout"
    assert hits[0].snippet == "dropout"
    assert hits[0].spans == [(0, 7)]
    assert "spatial dropout" in terms(hits) and "regularization" in terms(hits)


def test_name_hit_ranks_above_body_hit(glossary):
    hits = terms(search(glossary, "dropout"))
    assert hits.index("spatial dropout") < hits.index("regularization")


def test_alias_hit_shows_the_aka_line(glossary):
    hits = search(glossary, "batchnorm")
    assert hits[0].term == "batch normalization"
    assert hits[0].snippet == "aka: batchnorm"
    assert [hits[0].snippet[a:b] for a, b in hits[0].spans] == ["batchnorm"]


def test_exact_alias_that_the_words_do_not_match_shows_that_alias():
    g = parse("### what is one-shot learning\n- aka: single-shot, oneshot\n- from one example\n")
    [hit] = search(g, "singleshot")  # the key matches 'single-shot'; FTS5 sees the word 'singleshot'
    assert hit.score > 5 and hit.snippet == "aka: single-shot, oneshot"
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["single-shot"]


def test_all_words_rank_above_some_words(glossary):
    hits = terms(search(glossary, "prevent overfitting"))
    assert set(hits[:2]) == {"dropout", "regularization"}  # both words, in the body
    assert "overfitting" in hits and "epoch" in hits  # one word only: still found, below
    assert hits.index("overfitting") < hits.index("epoch")  # a name above a body


def test_see_also_is_searched_with_low_weight():
    g = parse("### a\n- see also: gradients\n### b\n- gradients explode\n### c\n- nothing\n")
    assert terms(search(g, "gradients")) == ["b", "a"]
    assert search(g, "gradients")[1].snippet == "see also: gradients"


def test_scores_are_rounded_and_never_increase(glossary):
    for query in ["dropout", "prevent overfitting", "dropuot layer", "training"]:
        scores = [h.score for h in search(glossary, query)]
        assert scores == sorted(scores, reverse=True)
        assert all(s == round(s, 3) for s in scores)


@pytest.mark.parametrize(
    "query, term",
    [
        ("overfit", "overfitting"),
        ("normalizing", "batch normalization"),
        ("normalized", "batch normalization"),
        ("memorize", "overfitting"),
        ("Dropouts", "dropout"),
        ("what is a dropout?", "dropout"),
        ("régularization", "regularization"),
    ],
)
def test_stemming_case_and_diacritics(glossary, query, term):
    assert search(glossary, query)[0].term == term


def test_words_are_case_folded_by_the_tokenizer_not_by_python():
    g = parse("### what is road\n- Straße in german\n### what is x\n- y\n")
    for query in ("straße", "Straße", "STRAßE"):  # casefold() would have made 'strasse': no match
        assert terms(search(g, query)) == ["road"]


def test_words_are_distinct_quoted_and_capped():
    assert words("What is Dropout? dropout DROPOUT, layer") == ['"Dropout"', '"layer"']
    assert words('a"b NEAR(c) d*') == ['"a"', '"b"', '"NEAR"', '"c"', '"d"']
    assert words("x" * (MAX_WORD_CHARS + 1) + " short") == ['"short"']
    many = " ".join(f"w{i}" for i in range(MAX_WORDS + 5))
    assert words(many) == [f'"w{i}"' for i in range(MAX_WORDS)]


def test_tiers_run_names_before_bodies_and_all_before_some():
    two = tiers(['"a"', '"b"'])
    assert [expr for _, expr in two] == [
        '{term aliases} : ("a" AND "b")',
        '"a" AND "b"',
        '{term aliases} : ("a" OR "b")',
        '"a" OR "b"',
    ]
    assert [tier for tier, _ in two] == sorted((tier for tier, _ in two), reverse=True)
    assert len(tiers(['"a"'])) == 2  # AND and OR of one word are the same expression
    assert tiers([]) == []


@pytest.mark.parametrize("query, term", [("dropuot", "dropout"), ("regularisation", "regularization")])
def test_typos_in_names(glossary, query, term):
    hits = search(glossary, query)
    assert hits and hits[0].term == term
    assert hits[0].score < 1  # a fuzzy hit: tier 0


def test_fuzzy_hits_rank_below_real_hits(glossary):
    hits = search(glossary, "dropuot layer")
    assert hits[0].term == "dense layer"
    assert "dropout" in terms(hits)
    assert hits[terms(hits).index("dropout")].score < hits[0].score


def test_limit(glossary):
    assert len(search(glossary, "overfitting", limit=2)) == 2
    assert len(search(glossary, "overfitting", limit=1)) == 1
    assert search(glossary, "overfitting", limit=0) == []
    entries = parse(GLOSSARY).entries
    every = [e.term for e in entries if "overfitting" in " ".join([e.term, *e.definition, *e.see_also])]
    assert sorted(terms(search(glossary, "overfitting"))) == sorted(every)


@pytest.mark.parametrize("query", ["zebra", "", "   ", "!!!", "???", "-", '"', "()"])
def test_no_match_is_empty(glossary, query):
    assert search(glossary, query) == []


def test_empty_glossary():
    assert search(parse(""), "dropout") == []


def test_names_differing_only_in_separators_match_exactly():
    g = parse("### one-shot learning\n- learning from one example\n### few shot learning\n- a few\n")
    assert search(g, "oneshot learning")[0].term == "one-shot learning"
    assert search(g, "one shot")[0].term == "one-shot learning"


# ----------------------------------------------------------------------------- hostile input

HOSTILE = [
    '"',
    '""',
    "*",
    "dropout*",
    "NEAR(",
    "NEAR(dropout overfitting, 2)",
    "AND",
    "dropout AND",
    "OR OR OR",
    "NOT dropout",
    "-dropout",
    "term:dropout",
    "{term}: dropout",
    "^dropout",
    "dropout +",
    "(",
    ")",
    "'",
    "\\",
    "\x00",
    "\ue000dropout\ue001",
    "dröpöut",
    "ドロップアウト",
    "🙂 dropout",
    "_ __ ___",
    "x" * 100_000,
    "dropout " * 20_000,
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 50,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_raise(glossary, query):
    for hit in search(glossary, query):
        check_hit(hit)


def check_hit(hit: Hit) -> None:
    assert isinstance(hit.term, str) and isinstance(hit.score, float) and isinstance(hit.snippet, str)
    assert "\n" not in hit.snippet
    assert len(hit.snippet) <= snippet.SNIPPET_CHARS + 2
    for start, end in hit.spans:
        assert 0 <= start < end <= len(hit.snippet)


FTS_NOISE = st.sampled_from(['"', "*", "NEAR(", "AND", "OR", "NOT", "-", ":", "^", "{", "}", "(", ")", "+"])
QUERIES = st.lists(st.one_of(st.text(max_size=20), FTS_NOISE), max_size=8).map(" ".join)


@pytest.fixture(scope="module")
def index():
    return build(sqlite3.connect(":memory:"), rows_of(parse(GLOSSARY).entries), "test")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES)
def test_any_query_never_raises(index, query):
    for hit in run(index, query, 10):
        check_hit(hit)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300), query=QUERIES)
def test_any_glossary_and_query_never_raise(text, query):
    g = parse("### " + text.replace("\n", "\n- ") + "\n" + text)
    for hit in search(g, query):
        check_hit(hit)
