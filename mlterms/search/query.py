"""Ranking: a question's content words, scored against each entry's names, bullets and links.

A learner types questions ("how do I stop overfitting"), so ranking works on the query's
*content* words: question words, fillers and one-letter words are dropped (STOPWORDS), unless the
query has nothing else. Every entry that has one of them (FTS5, porter-stemmed) is a candidate,
and its score adds up (weights in SCORE):

  exact    the whole query is a term or alias, as `define` resolves it: always first
  named    a name the query covers: most of the name's words are in the query and most of the
  + name   query's words are in the name ('learning rate too high' -> learning rate). `named` puts
           these above every entry matched only in its text; `name` orders them (a whole name
           first). A query word that is only one word of a longer name ('model' of 'diffusion
           model') counts as `partial`, about like a hit in a bullet.
  cover    how much of the query the entry has anywhere, each word weighted by its rarity (idf);
           words found only in `see also` / `builds on` count half
  bullet   how much of the query one bullet has: the words close together
  phrase   two query words side by side in a bullet, in the query's order
  brevity  a shorter entry first, to break near ties (as bm25's length normalisation does)

Typos: a query word that matches no entry at all is replaced by the name words (terms and
aliases) within a few edits of it, relative to its length (EDITS): 'atention' -> attention,
'dropot' -> dropout, 'convolutoin' -> convolution. When nothing matches at all, names that look
like the whole query are the answer.

Query text is only ever data: it is split into words here and each word is passed to FTS5 as a
quoted string, so no query can be an FTS5 syntax error.
"""

from __future__ import annotations

import heapq
import math
import sqlite3

from mlterms.names import WHAT_IS, key, singulars
from mlterms.search.hit import Hit
from mlterms.search.index import COLUMNS, WORD, NameKeys, load_words, split_aliases
from mlterms.search.snippet import MARKERS, Spans, first_bullet, name_line, pick_bullet, unmark, unmarked
from mlterms.search.typos import corrections, edits_allowed, fuzzy

SCORE = {
    "exact": 100.0,
    "named": 10.0,
    "name": 5.0,
    "partial": 1.5,
    "cover": 3.0,
    "bullet": 1.5,
    "phrase": 0.8,
    "brevity": 0.5,
}
MAX_WORDS = 32  # query words used (a pasted page of text still answers quickly)
MAX_WORD_CHARS = 64  # no word is longer; such a "word" cannot match anything useful
CANDIDATES = 60  # entries scored in full (the best by a first, cheap score), at least 4 x the limit
PREFIX = 4  # words this long also match as prefixes of longer words
MOST = 2 / 3  # "most of" a name, and of the query, for a name hit
FIELDS = {"term": "name", "aliases": "alias", "body": "definition", "see": "see_also", "builds": "builds_on"}

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "out",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "us",
        "very",
        "vs",
        "was",
        "we",
        "were",
        "what",
        "whats",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


def words(query: str) -> list[str]:
    """The distinct words of a query (as typed), in order, at most MAX_WORDS; stopwords and
    one-character words dropped unless the query has nothing else."""
    query = MARKERS.sub(" ", query[: MAX_WORDS * (MAX_WORD_CHARS + 1) * 4])
    query = WHAT_IS.sub("", query.strip(), count=1)
    seen: dict[str, str] = {}  # casefolded -> as typed: the tokenizer does its own case folding
    for word in WORD.findall(query):
        if len(word) <= MAX_WORD_CHARS:
            seen.setdefault(word.casefold(), word)
            if len(seen) == MAX_WORDS:
                break
    content = [w for folded, w in seen.items() if folded not in STOPWORDS and len(w) > 1]
    return content or list(seen.values())


def quoted(word: str) -> str:
    """The word as an FTS5 string. A word has only letters and digits: no quote to escape."""
    return f'"{word}"'


def in_text(word: str) -> str:
    """FTS5 for the word in an entry's names or text: in names, from PREFIX letters on, also as a
    prefix ('drop' finds dropout); prefixes are kept to the short name columns, where they are cheap."""
    if len(word) < PREFIX:
        return f"{{term aliases body}} : {quoted(word)}"
    return f"({{term aliases}} : {quoted(word)}* OR {{body}} : {quoted(word)})"


class Words:
    """The query's words with the rows each matches: in names, anywhere but links, in links."""

    __slots__ = ("text", "idf", "names", "body", "links")

    def __init__(self) -> None:
        self.text: list[str] = []  # as searched (typos replaced)
        self.idf: list[float] = []
        self.names: list[set[int]] = []
        self.body: list[set[int]] = []  # term, aliases or body
        self.links: list[set[int]] = []  # see also or builds on

    @property
    def total(self) -> float:
        return sum(self.idf) or 1.0


def idf(entries: int, df: int) -> float:
    """BM25's inverse document frequency, floored: a word in most entries says almost nothing."""
    return max(math.log((entries - df + 0.5) / (df + 0.5)), 0.05)


def rows_matching(con: sqlite3.Connection, expr: str) -> set[int]:
    return {r for (r,) in con.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,))}


def match_words(con: sqlite3.Connection, query_words: list[str], entries: int) -> Words:
    """Each word's rows, with a word that matches nothing replaced by the name words it is a typo of."""
    vocabulary: list[str] | None = None
    found = Words()
    for word in query_words:
        body = rows_matching(con, in_text(word))
        links = rows_matching(con, f"{{see builds}} : {quoted(word)}")
        meant = [word]
        if not body and not links and edits_allowed(word):
            vocabulary = load_words(con) if vocabulary is None else vocabulary
            meant = corrections(word, vocabulary)
        for w in meant:
            if w != word:
                body = rows_matching(con, in_text(w))
                links = rows_matching(con, f"{{see builds}} : {quoted(w)}")
            df = len(body | links)
            found.text.append(w)
            found.idf.append(idf(entries, df) / len(meant))
            found.names.append(rows_matching(con, f"{{term aliases}} : {quoted(w)}*") if body else set())
            found.body.append(body)
            found.links.append(links)
    return found


def run(con: sqlite3.Connection, query: str, limit: int) -> list[Hit]:
    """Search an index: every entry with a content word, scored; names like the query if none."""
    if limit < 1:
        return []
    keys = NameKeys.load(con)
    entries = keys.text.count("\n") + 1 if keys.text else 0
    exact = exact_ids(keys, query)
    found = match_words(con, words(query), entries)
    first: dict[int, float] = {rowid: SCORE["exact"] for rowid in exact}
    for w in range(len(found.text)):
        idf = found.idf[w]
        for rowid in found.body[w]:
            first[rowid] = first.get(rowid, 0.0) + idf * (2.0 if rowid in found.names[w] else 1.0)
        for rowid in found.links[w] - found.body[w]:
            first[rowid] = first.get(rowid, 0.0) + idf / 2
    best = [r for _, r in heapq.nsmallest(max(CANDIDATES, 4 * limit), ((-v, r) for r, v in first.items()))]
    hits = sorted(score(con, best, found, exact), key=lambda h: (-h[0], h[1]))
    out = [hit for _, _, hit in hits[:limit]]
    if not out:
        out = fuzzy(con, keys, query, limit)
    return out


def exact_ids(keys: NameKeys, query: str) -> dict[int, int]:
    """rowid -> position of the name (0 term, n alias) of entries that the query names exactly."""
    k = key(query[:1000])
    if not k:
        return {}
    return keys.find([k, *singulars(k)])


def score(con: sqlite3.Connection, ids: list[int], found: Words, exact: dict[int, int]) -> list:
    """(score, rowid, Hit) of each candidate: its highlights tell which names and bullets matched."""
    if not ids:
        return []
    columns = ", ".join(f"highlight(docs, {i}, '\ue000', '\ue001')" for i in range(len(COLUMNS)))
    any_word = " OR ".join(quoted(w) for w in found.text)  # no prefixes: name_score adds those
    rows: dict[int, tuple[float, tuple[str, ...]]] = {}
    if any_word:  # one row at a time: FTS5 seeks a rowid, but filters a rowid IN (...) row by row
        sql = f"SELECT length(body), {columns} FROM docs WHERE docs MATCH ? AND rowid = ?"
        for rowid in ids:
            for size, *texts in con.execute(sql, (any_word, rowid)):
                rows[rowid] = (brevity(size), tuple(texts))
    missing = [r for r in ids if r not in rows]  # exact names whose words are not query words
    if missing:
        sql = f"SELECT rowid, length(body), {', '.join(COLUMNS)} FROM docs WHERE rowid IN ({','.join('?' * len(missing))})"
        for rowid, size, *texts in con.execute(sql, missing):
            rows[rowid] = (brevity(size), tuple(texts))
    idf_of = dict(zip((w.casefold()[:4] for w in found.text), found.idf, strict=True))  # rough stems
    out = []
    for rowid in ids:
        rel, texts = rows[rowid]
        names = [texts[0], *split_aliases(texts[1])]
        name, partial = name_score(names, found.text, idf_of, found.total)
        cover = sum(
            idf * (1.0 if rowid in body else 0.5 if rowid in links else 0.0)
            for idf, body, links in zip(found.idf, found.body, found.links, strict=True)
        )
        bullet, phrase = bullet_score(texts[2], idf_of, found.total)
        total = (
            (SCORE["exact"] if rowid in exact else 0.0)
            + (SCORE["named"] + SCORE["name"] * name if name else 0.0)
            + SCORE["partial"] * (0.0 if name else partial)
            + SCORE["cover"] * cover / found.total
            + SCORE["bullet"] * bullet
            + SCORE["phrase"] * phrase
            + SCORE["brevity"] * rel
        )
        out.append((round(total, 3), rowid, describe(texts, rowid in exact or name > 0, exact.get(rowid))))
        out[-1][2].score = round(total, 3)
    return out


def name_score(
    marked_names: list[str], query_words: list[str], weights: dict[str, float], total: float
) -> tuple[float, float]:
    """(name, partial) of the best-matching name (the term or an alias).

    A name's word is matched when FTS5 marked it, or when a query word of PREFIX letters or more
    begins it ('drop' of dropout). `name` when most of the name's words are matched and they are
    most of the query's words: share of the name squared (a whole name counts most) x share of
    the query. Otherwise `partial`: the idf-weighted share of the query it holds x the share of the
    name matched, which weighs like a bullet (one word of a three-word name counts a third).
    """
    prefixes = tuple(w.casefold() for w in query_words if len(w) >= PREFIX)
    n_words = max(len(query_words), 1)
    name = partial = 0.0
    for marked in marked_names:
        plain, spans = unmark(marked)
        tokens = WORD.findall(plain)
        hit = [w for a, b in spans for w in WORD.findall(plain[a:b])]
        hit += [
            t
            for t in WORD.findall(unmarked_only(plain, spans))
            if prefixes and t.casefold().startswith(prefixes)
        ]
        if not tokens or not hit:
            continue
        of_name, of_query = min(len(hit) / len(tokens), 1.0), min(len(hit) / n_words, 1.0)
        if of_name >= MOST and of_query >= MOST:
            name = max(name, of_name * of_name * of_query)
        stems = {w.casefold()[:4] for w in hit}
        partial = max(partial, of_name * min(sum(weights.get(s, 0.0) for s in stems) / total, 1.0))
    return name, partial


def unmarked_only(plain: str, spans: Spans) -> str:
    """The text outside the spans (spaces in their place)."""
    chars = list(plain)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def brevity(body_chars: int | None) -> float:
    """In (0, 1]: 1 for an empty body, 0.5 at 400 characters."""
    return 1.0 / (1.0 + (body_chars or 0) / 400)


def bullet_score(marked_body: str, weights: dict[str, float], total: float) -> tuple[float, float]:
    """(the idf-weighted share of the query's words in the best bullet, 1.0 if two matched words
    are side by side). `weights` maps a query word's first 4 letters (a rough stem) to its idf."""
    best = phrase = 0.0
    for line in marked_body.split("\n"):
        plain, spans = unmark(line)
        if not spans:
            continue
        stems = {w.casefold()[:4] for a, b in spans for w in WORD.findall(plain[a:b])}
        best = max(best, min(sum(weights.get(s, 0.0) for s in stems) / total, 1.0))
        if any(len({w.casefold()[:4] for w in WORD.findall(plain[a:b])}) > 1 for a, b in spans):
            phrase = 1.0  # FTS5 marked two adjacent words as one run
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if plain[end:start].strip(" -") == "" and plain[end - 4 : end] != plain[start : start + 4]:
                phrase = 1.0
    return best, phrase


def describe(texts: tuple[str, ...], by_name: bool, exact_pos: int | None) -> Hit:
    """The hit: the first bullet for a name hit, else the best-matching bullet; the matched fields."""
    term = unmarked(texts[0])
    matched = [FIELDS[c] for c, t in zip(COLUMNS, texts, strict=True) if "\ue000" in t]
    if exact_pos is not None and not {"name", "alias"} & set(matched):
        matched.insert(0, "alias" if exact_pos else "name")
    snippet, spans = first_bullet(texts[2]) if by_name else pick_bullet(texts[2])
    if not snippet:  # an entry with no definition: its name line
        snippet, spans = name_line([term, *split_aliases(unmarked(texts[1]))], exact_pos or 0)
    return Hit(term, 0.0, snippet, spans, matched)
