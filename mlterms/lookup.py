"""Forgiving term lookup: case, articles, 'what is', '?', separators, plurals, aliases, typos.

A query names an entry when their keys (names.key) share a form (names.forms): the plural rule
works both ways. Words typed without quotes are split into the terms they name (`find`).
"""

from __future__ import annotations

from collections.abc import Iterable

from mlterms.glossary import Entry, Glossary
from mlterms.names import SEPARATORS, forms, key, singulars


class Asked:
    """One term asked for: the words as typed, and what they name (a glossary entry, else one of
    the extra names given to `find`, else nothing: a miss). A plain class: a dataclass costs
    start-up time on every lookup."""

    __slots__ = ("text", "entry", "name")

    def __init__(self, text: str, entry: Entry | None = None, name: str | None = None):
        self.text = text
        self.entry = entry
        self.name = name

    def __repr__(self) -> str:
        return f"Asked({self.text!r}, {self.entry and self.entry.term!r}, {self.name!r})"

    @property
    def found(self) -> bool:
        return self.entry is not None or self.name is not None


class Resolver:
    """Resolve text to a glossary entry or, failing that, to one of some extra names."""

    def __init__(self, glossary: Glossary, extra: Iterable[str] = ()):
        self.glossary = glossary
        self.extra: dict[str, str] = {}
        for name in extra:
            self.extra.setdefault(key(name), name)
        self._entry_forms: dict[str, Entry] | None = None
        self._extra_forms: dict[str, str] | None = None

    def entry(self, text: str) -> Entry | None:
        """The entry the text names, or None. With duplicate headings the first one wins."""
        return self.entry_of_key(key(text))

    def entry_of_key(self, k: str) -> Entry | None:
        """Like entry(), given the text's names.key already (keys() makes many at once)."""
        if not k:
            return None
        index = self.glossary.index
        for candidate in forms(k):  # the query's singulars against the names as written
            if candidate in index:
                return index[candidate][0]
        if self._entry_forms is None:  # then the singulars of the names (built once, on a miss)
            self._entry_forms = {}
            for name, entries in index.items():
                for form in singulars(name):
                    self._entry_forms.setdefault(form, entries[0])
        return next((self._entry_forms[f] for f in forms(k) if f in self._entry_forms), None)

    def name(self, text: str) -> str | None:
        """The extra name the text names, or None (the same rule as for entries)."""
        k = key(text)
        if not k or not self.extra:
            return None
        for candidate in forms(k):
            if candidate in self.extra:
                return self.extra[candidate]
        if self._extra_forms is None:
            self._extra_forms = {}
            for name_key, name in self.extra.items():
                for form in singulars(name_key):
                    self._extra_forms.setdefault(form, name)
        return next((self._extra_forms[f] for f in forms(k) if f in self._extra_forms), None)

    def asked(self, text: str) -> Asked:
        entry = self.entry(text)
        return Asked(text, entry, None if entry else self.name(text))

    def phrase(self, words: list[str]) -> list[Asked]:
        """Unquoted words as terms, longest match first; a run of words naming nothing is one miss.

        ['batch', 'normalization', 'flux', 'capacitor'] -> [<batch normalization>, miss 'flux capacitor'].
        """
        found: list[Asked] = []
        run: list[str] = []  # words that start no term, so far
        i = 0
        while i < len(words):
            hit = None
            for j in range(len(words), i, -1):
                hit = self.asked(" ".join(words[i:j]))
                if hit.found:
                    break
            if hit is None or not hit.found:
                run.append(words[i])
                i += 1
                continue
            if run:
                found.append(Asked(" ".join(run)))
                run = []
            found.append(hit)
            i = j
        if run:
            found.append(Asked(" ".join(run)))
        return found


def resolve(glossary: Glossary, query: str) -> Entry | None:
    """The entry a query names, or None. With duplicate headings the first one wins."""
    return Resolver(glossary).entry(query)


def terms_of(words: list[str]) -> list[list[str]]:
    """The words grouped into the terms they can form: a comma ends a term, and an argument with
    a space in it (quoted on the command line) is a term of its own.

    ['batch,', 'normalization', 'soft', 'max'] -> [['batch'], ['normalization', 'soft', 'max']].
    """
    groups: list[list[str]] = [[]]
    for word in words:
        pieces = word.split(",")
        for n, piece in enumerate(pieces):
            piece = piece.strip()
            if " " in piece or "\t" in piece:
                groups += [[piece], []]
            elif piece:
                groups[-1].append(piece)
            if n < len(pieces) - 1:  # a comma followed
                groups.append([])
    return [group for group in groups if group]


def find(glossary: Glossary, words: list[str], extra: Iterable[str] = ()) -> list[Asked]:
    """The terms the words ask for, in order, found or missed.

    One argument is always one term asked ('batch normalization', quoted). Several are grouped
    by `terms_of` and split into terms longest match first; a group that is a near spelling of
    one name is one miss: 'batch normalisation' (did you mean 'batch normalization'), not
    'batch' and a miss; 'l1 loss l2 los' is 'l1 loss' and a miss for 'l2 los'.
    `extra` names (e.g. the demos) resolve too, after the glossary's entries.
    """
    resolver = Resolver(glossary, extra)
    if len(words) == 1:
        return [resolver.asked(words[0].strip(" \t,"))]
    asked: list[Asked] = []
    for group in terms_of(words):
        found = resolver.phrase(group)
        phrase = " ".join(group)
        if len(group) > 1 and not all(a.found for a in found) and near(glossary, phrase, 1, cutoff=85):
            found = [Asked(phrase)]
        asked += found
    return asked


def word_tails(name: str) -> list[str]:
    """The keys of a name from each of its words on: 'L2 loss' -> ['l2loss', 'loss']."""
    words = [w for w in SEPARATORS.split(name.casefold()) if w]
    return ["".join(words[i:]) for i in range(len(words))]


def starting_with(glossary: Glossary, query: str, extra: Iterable[str] = ()) -> list[str]:
    """Names that start with the query, then names with a word that does, as entry terms.

    'l2' -> ['l2 loss', 'l2 regularization']; 'network' -> ['neural network', ...].
    """
    k = key(query)
    if len(k) < 2:
        return []
    named = [(entry.term, name) for entry in glossary.entries for name in entry.names]
    named += [(name, name) for name in extra]
    first = [term for term, name in named if key(name).startswith(k)]
    inner = [(term, name) for term, name in named if any(t.startswith(k) for t in word_tails(name)[1:])]
    # the query as the last word (the head noun: 'network' of 'neural network') first, shortest first
    inner.sort(key=lambda tn: (not key(tn[1]).endswith(k), len(tn[1])))
    return list(dict.fromkeys(first + [term for term, _ in inner]))


def near(glossary: Glossary, query: str, limit: int, cutoff: float, extra: Iterable[str] = ()) -> list[str]:
    """Up to `limit` term names spelled like the query (typos, near spellings), best first."""
    from rapidfuzz import fuzz, process

    k = key(query)
    if not k:
        return []
    names = {key(name): entry.term for entry in glossary.entries for name in entry.names}
    for name in extra:
        names.setdefault(key(name), name)
    matches = process.extract(k, list(names), scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 3)
    return list(dict.fromkeys(names[match] for match, _score, _ in matches))[:limit]


def suggest(glossary: Glossary, query: str, limit: int = 5, extra: Iterable[str] = ()) -> list[str]:
    """What the user may have meant: names the query starts (a prefix or a word of them), then
    near spellings (at most 3 of those), up to `limit` terms in all."""
    extra = list(extra)
    found = starting_with(glossary, query, extra)[:limit]
    room = min(3, limit - len(found))
    if room > 0:
        found += [t for t in near(glossary, query, limit, cutoff=70, extra=extra) if t not in found][:room]
    return found
