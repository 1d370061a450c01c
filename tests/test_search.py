"""Ranked full-text search: ranking, stemming, typos, snippets, hostile input and the index cache."""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlterms import search as search_module
from mlterms.glossary import parse
from mlterms.names import key
from mlterms.names import keys as name_keys
from mlterms.search import Hit, search, search_text, squash, trim

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
    monkeypatch.setattr(search_module, "SMALL_ENTRIES", 0)
    monkeypatch.setattr(search_module, "SMALL_BYTES", 0)


def terms(hits: list[Hit]) -> list[str]:
    return [h.term for h in hits]


def big_glossary(n: int, extra: str = "") -> str:
    parts = [f"### what is term {i}\n- body text number {i} about gradients\n" for i in range(n)]
    return "".join(parts) + extra


# ----------------------------------------------------------------------------- ranking


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


def test_all_words_rank_above_some_words(glossary):
    hits = terms(search(glossary, "prevent overfitting"))
    assert set(hits[:2]) == {"dropout", "regularization"}  # both words, in the body
    assert "overfitting" in hits and "epoch" in hits  # one word only: still found, below
    assert hits.index("overfitting") < hits.index("epoch")  # a name above a body


def test_body_snippet_is_the_matching_bullet(glossary):
    hit = next(h for h in search(glossary, "prevent overfitting") if h.term == "regularization")
    assert hit.snippet == "a way to prevent overfitting by limiting model complexity"
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["prevent", "overfitting"]


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
    assert len(search(glossary, "overfitting")) == 4  # dropout, overfitting, regularization, epoch


@pytest.mark.parametrize("query", ["zebra", "", "   ", "!!!", "???", "-", '"', "()"])
def test_no_match_is_empty(glossary, query):
    assert search(glossary, query) == []


def test_empty_glossary():
    assert search(parse(""), "dropout") == []


def test_long_bullet_is_trimmed_around_the_match():
    words = " ".join(f"word{i}" for i in range(60))
    g = parse(f"### thing\n- {words} gradient {words}\n")
    [hit] = search(g, "gradient")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 82
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["gradient"]


def test_snippet_is_one_line_and_markers_in_the_glossary_are_text():
    g = parse("### odd \ue000 entry\n- line one\n  continued \ue001 here with\ttabs and overfitting\n")
    [hit] = search(g, "overfitting")
    assert "\n" not in hit.snippet and "\t" not in hit.snippet
    assert "\ue000" not in hit.snippet + hit.term and "\ue001" not in hit.snippet
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["overfitting"]


def test_names_differing_only_in_separators_match_exactly():
    g = parse("### one-shot learning\n- learning from one example\n### few shot learning\n- a few\n")
    assert search(g, "oneshot learning")[0].term == "one-shot learning"
    assert search(g, "one shot")[0].term == "one-shot learning"


def test_squash_makes_one_line_and_moves_spans():
    text = "  a\tbig \n\n word  "
    assert squash(text, [(2, 3), (4, 7), (11, 15)]) == ("a big word", [(0, 1), (2, 5), (6, 10)])
    assert squash("plain", [(0, 5)]) == ("plain", [(0, 5)])


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab \t\n", max_size=120), at=st.integers(0, 120))
def test_trim_spans_always_cover_the_same_word(text, at):
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", text)]
    if not words:
        return
    a, b = words[at % len(words)]
    snippet, spans = trim(text, [(a, b)], width=20)
    assert len(snippet) <= 20 and "\n" not in snippet and "\t" not in snippet
    for x, y in spans:
        assert snippet[x:y] in text[a:b]


def test_trim_keeps_spans_inside():
    text = "x" * 50 + " match " + "y" * 100
    snippet, spans = trim(text, [(51, 56)])
    assert [snippet[a:b] for a, b in spans] == ["match"]
    assert trim("short", [(0, 5)]) == ("short", [(0, 5)])


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
    assert len(hit.snippet) <= search_module.SNIPPET_CHARS + 2
    for start, end in hit.spans:
        assert 0 <= start < end <= len(hit.snippet)


FTS_NOISE = st.sampled_from(['"', "*", "NEAR(", "AND", "OR", "NOT", "-", ":", "^", "{", "}", "(", ")", "+"])
QUERIES = st.lists(st.one_of(st.text(max_size=20), FTS_NOISE), max_size=8).map(" ".join)


@pytest.fixture(scope="module")
def index():
    rows = search_module.rows_of(parse(GLOSSARY).entries)
    return search_module.build(sqlite3.connect(":memory:"), rows, "test")


def test_rows_are_numbered_in_order_from_1(index):
    rows = search_module.rows_of(parse(GLOSSARY).entries)
    numbered = index.execute("SELECT rowid, term, aliases, body, see FROM docs ORDER BY rowid").fetchall()
    assert numbered == [(n, *row) for n, row in enumerate(rows, start=1)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES)
def test_any_query_never_raises(index, query):
    for hit in search_module.run(index, query, 10):
        check_hit(hit)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300), query=QUERIES)
def test_any_glossary_and_query_never_raise(text, query):
    g = parse("### " + text.replace("\n", "\n- ") + "\n" + text)
    for hit in search(g, query):
        check_hit(hit)


NAMES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="aAnN eEhHtTwWisr?!.-_\t", max_size=12),  # 'what is', articles, separators
    st.sampled_from(["a b", "the softmax", "What is a GAN?", "One-Shot_Learning?", "x?-", "an", "naïve"]),
)


@settings(max_examples=300, deadline=None)
@given(names=st.lists(NAMES, max_size=8))
def test_bulk_name_keys_are_lookup_keys(names):
    assert name_keys(names) == [key(name) for name in names]


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.lists(NAMES, min_size=1, max_size=4), max_size=6), probe=NAMES)
def test_names_text_finds_what_brute_force_finds(entries, probe):
    rows = [(names[0], ", ".join(n for n in names[1:] if n), "", "") for names in entries]
    text = search_module.names_text(rows)
    assert text.count("\n") == max(len(rows) - 1, 0)
    expected = {}
    for rowid, row in enumerate(rows, start=1):
        for pos, name in enumerate([row[0], *search_module.split_aliases(row[1])]):
            if key(name) and key(name) == key(probe):
                expected.setdefault(rowid, pos)
    found = search_module.named(text, [key(probe)]) if key(probe) and "\t" not in key(probe) else {}
    assert found == expected


# ----------------------------------------------------------------------------- the cache


def index_files(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_small_glossary_needs_no_cache_file(glossary, cache):
    search(glossary, "dropout")
    assert index_files(cache) == []


def test_big_glossary_is_cached_and_a_warm_hit_gives_the_same_results(cache, monkeypatch):
    g = parse(big_glossary(search_module.SMALL_ENTRIES + 10))
    cold = search(g, "gradient body", limit=5)
    [name] = index_files(cache)
    assert name.startswith("search-") and name.endswith(".sqlite")

    def no_build(*args):
        raise AssertionError("a warm search must not rebuild the index")

    monkeypatch.setattr(search_module, "build", no_build)
    assert search(g, "gradient body", limit=5) == cold
    assert len(cold) == 5


def test_search_text_warm_hit_does_not_parse(cached, cache, monkeypatch):
    cold = search_text(GLOSSARY, "prevent overfitting")
    assert cold == search(parse(GLOSSARY), "prevent overfitting")
    monkeypatch.setattr(search_module, "parse", lambda *a: pytest.fail("parsed on a warm hit"))
    assert search_text(GLOSSARY, "prevent overfitting") == cold


def test_changed_content_invalidates(cached, cache):
    before = search_text(GLOSSARY, "dropout")
    changed = GLOSSARY.replace("### what is spatial dropout", "### what is alpha dropout")
    after = search_text(changed, "dropout")
    assert "spatial dropout" in terms(before) and "spatial dropout" not in terms(after)
    assert "alpha dropout" in terms(after)
    g = parse(changed)
    g.entries[0].definition.append("brand new bullet about zebras")  # edited in memory
    assert terms(search(g, "zebras")) == ["dropout"]


def test_corrupt_cache_file_is_rebuilt(cached, cache):
    expected = search_text(GLOSSARY, "prevent overfitting")
    [name] = index_files(cache)
    (cache / name).write_bytes(b"this is not an sqlite database" * 100)
    assert search_text(GLOSSARY, "prevent overfitting") == expected
    assert sqlite3.connect(cache / name).execute("SELECT count(*) FROM docs").fetchone() == (7,)
    (cache / name).write_bytes(b"")
    assert search_text(GLOSSARY, "prevent overfitting") == expected


def test_damaged_index_inside_a_valid_file_is_rebuilt(cached, cache):
    expected = search_text(GLOSSARY, "dropout")
    [name] = index_files(cache)
    con = sqlite3.connect(cache / name)
    con.execute("DROP TABLE docs")
    con.commit()
    con.close()
    assert search_text(GLOSSARY, "dropout") == expected


def test_cache_file_for_other_content_is_not_trusted(cached, cache):
    expected = search_text(GLOSSARY, "dropout")
    [name] = index_files(cache)
    other = "### what is zebra\n- a striped horse\n"
    search_text(other, "zebra")
    [other_name] = [n for n in index_files(cache) if n != name]
    os.replace(cache / other_name, cache / name)  # the right name, the wrong index
    assert search_text(GLOSSARY, "dropout") == expected


def test_unwritable_cache_dir_still_works(cached, tmp_path, monkeypatch, glossary):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MLTERMS_CACHE", str(blocker / "cache"))
    expected = terms(search(parse(GLOSSARY), "prevent overfitting"))
    assert terms(search_text(GLOSSARY, "prevent overfitting")) == expected
    assert terms(search(glossary, "prevent overfitting")) == expected


def test_failed_write_leaves_no_temp_file(cached, cache, monkeypatch):
    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(search_module.os, "replace", refuse)
    assert terms(search_text(GLOSSARY, "dropout"))[0] == "dropout"
    assert index_files(cache) == []


def test_failed_build_into_the_cache_file_falls_back_to_memory(cached, cache, monkeypatch):
    real_build, calls = search_module.build, []

    def disk_full_once(con, rows, meta):
        calls.append(meta)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real_build(con, rows, meta)

    monkeypatch.setattr(search_module, "build", disk_full_once)
    assert terms(search_text(GLOSSARY, "dropout"))[0] == "dropout"
    assert len(calls) == 2 and index_files(cache) == []


def test_cold_build_pauses_gc_and_restores_it(cached, monkeypatch):
    seen = []
    real_build = search_module.build

    def build(con, rows, meta):
        seen.append(gc.isenabled())
        return real_build(con, rows, meta)

    monkeypatch.setattr(search_module, "build", build)
    assert gc.isenabled()
    search_text(GLOSSARY, "dropout")
    assert seen == [False] and gc.isenabled()

    monkeypatch.setattr(search_module, "build", lambda *a: pytest.fail("boom"))
    with pytest.raises(pytest.fail.Exception):
        search_text(GLOSSARY + "\n", "dropout")
    assert gc.isenabled()
    monkeypatch.setattr(search_module, "build", build)
    gc.disable()  # a caller's choice is kept
    try:
        search_text(GLOSSARY + "\n\n", "dropout")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_old_index_files_are_pruned(cached, cache):
    for i in range(search_module.KEEP_FILES + 3):
        search_text(GLOSSARY + f"\n### what is extra {i}\n", "dropout")
    names = index_files(cache)
    assert len(names) == search_module.KEEP_FILES
    assert not [n for n in names if n.endswith(".tmp")]


def test_default_cache_dir_is_the_user_cache_dir(monkeypatch):
    from platformdirs import user_cache_dir

    monkeypatch.delenv("MLTERMS_CACHE")
    assert search_module.cache_dir() == search_module.Path(user_cache_dir("mlterms"))


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
