"""Ranking: content words, name coverage, bullets and phrases, stemming, typos, limits, and queries
that must never raise."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlterms.glossary import parse
from mlterms.search import Hit, search, snippet
from mlterms.search.index import build, rows_of
from mlterms.search.query import MAX_WORD_CHARS, MAX_WORDS, STOPWORDS, edits_allowed, run, words

from .conftest import GLOSSARY, terms


def test_exact_name_is_first_and_shows_its_first_bullet(glossary):
    hits = search(glossary, "dropout")
    assert hits[0].term == "dropout"
    assert hits[0].snippet.startswith("each unit is zeroed with probability p during training")
    assert hits[0].matched[0] == "name" and "see_also" not in hits[0].matched
    assert "spatial dropout" in terms(hits) and "regularization" in terms(hits)


def test_one_word_of_a_longer_name_counts_about_like_a_bullet(glossary):
    hits = search(glossary, "dropout")
    spatial, reg = (next(h for h in hits if h.term == t) for t in ("spatial dropout", "regularization"))
    assert abs(spatial.score - reg.score) < 1.0  # neither outranks the other by a name tier
    assert hits[0].score > 100 > spatial.score


def test_an_exact_alias_ranks_first_and_shows_the_first_bullet(glossary):
    hits = search(glossary, "batchnorm")
    assert hits[0].term == "batch normalization"
    assert hits[0].snippet == "normalizing each feature over the batch, then a learned scale and shift"
    assert hits[0].matched == ["alias"]


def test_exact_alias_that_the_words_do_not_match_is_first():
    g = parse("### what is one-shot learning\n- aka: single-shot, oneshot\n- from one example\n")
    [hit] = search(g, "singleshot")  # the key matches 'single-shot'; FTS5 sees the word 'singleshot'
    assert hit.score >= 100 and hit.snippet == "from one example" and hit.matched == ["alias"]


def test_all_words_rank_above_some_words(glossary):
    hits = terms(search(glossary, "prevent overfitting"))
    assert set(hits[:2]) == {"dropout", "regularization"}  # both words, in one bullet
    assert "overfitting" in hits and "epoch" in hits  # one word only: still found, below


def test_a_query_covering_a_whole_name_ranks_it_first():
    g = parse(
        "### what is learning rate\n- how big each step is\n"
        "### what is one-shot learning\n- learning from one example, when labels are rare\n"
        "### what is divergence\n- a loss that goes up when the rate is too high for the learning\n"
        + "".join(f"### what is other {i}\n- about something else\n" for i in range(20))
    )
    assert terms(search(g, "learning rate too high"))[0] == "learning rate"


def test_question_words_and_fillers_do_not_match():
    g = parse(
        "### what is softmax\n- softmax(z)_i = exp(z_i) / sum exp\n### what is dropout\n- stops overfitting\n"
    )
    assert terms(search(g, "how do I stop overfitting")) == ["dropout"]
    assert words("how do I stop overfitting") == ["stop", "overfitting"]
    assert words("how do I") == ["how", "do", "I"]  # nothing else: the words themselves
    assert {"how", "do", "i", "the", "to", "why", "what", "is", "a"} <= STOPWORDS


def test_words_side_by_side_rank_above_words_apart():
    g = parse(
        "### what is apart\n- the size of a batch is set, but the norm of the layer is free\n"
        "### what is together\n- a layer norm is applied per example, whatever the batch size\n"
    )
    assert terms(search(g, "layer norm"))[0] == "together"


def test_see_also_is_searched_with_low_weight_and_is_never_the_snippet():
    g = parse("### a\n- first bullet\n- see also: gradients\n### b\n- gradients explode\n### c\n- nothing\n")
    hits = search(g, "gradients")
    assert terms(hits) == ["b", "a"]
    assert hits[1].snippet == "first bullet" and hits[1].matched == ["see_also"]


def test_builds_on_is_searched_and_reported():
    g = parse(
        "### what is transformer\n- a stack of blocks\n- builds on: attention\n### what is attention\n- weights\n"
    )
    hits = search(g, "attention")
    assert terms(hits) == ["attention", "transformer"] and hits[1].matched == ["builds_on"]


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


def test_words_are_distinct_casefolded_and_capped():
    assert words("What is Dropout? dropout DROPOUT, layer") == ["Dropout", "layer"]
    assert words('a"b NEAR(c) d*') == ["NEAR"]  # one-letter words go, unless they are all there is
    assert words("x" * (MAX_WORD_CHARS + 1) + " short") == ["short"]
    many = " ".join(f"w{i}" for i in range(MAX_WORDS + 5))
    assert words(many) == [f"w{i}" for i in range(MAX_WORDS)]


@pytest.mark.parametrize(
    "query, term",
    [
        ("dropuot", "dropout"),
        ("regularisation", "regularization"),
        ("dropot", "dropout"),
        ("batchnrom", "batch normalization"),
    ],
)
def test_typos_in_names(glossary, query, term):
    hits = search(glossary, query)
    assert hits and hits[0].term == term


def test_typos_are_fixed_only_within_edits_relative_to_length():
    assert [edits_allowed("x" * n) for n in (3, 4, 5, 7, 8, 12)] == [0, 0, 1, 1, 2, 2]
    g = parse(
        "### what is attention\n- weights\n### what is iteration\n- one step\n### what is convolution\n- slide\n"
    )
    assert terms(search(g, "atention")) == ["attention"]  # not 'iteration': 3 edits away
    assert terms(search(g, "convolutoin")) == ["convolution"]  # a swap is one edit
    assert search(g, "attenshun") == []  # too far


def test_a_typo_in_a_longer_question_is_fixed_and_the_rest_still_counts(glossary):
    hits = terms(search(glossary, "dropuot layer"))
    assert "dropout" in hits and "dense layer" in hits


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
