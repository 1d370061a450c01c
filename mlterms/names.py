"""The one rule for "same term": what a heading names, and the matching key of a name or query.

A leaf module: it imports nothing from mlterms but the leaf `patterns`, so the parser, lookup, search and the quiz can all
use it without an import cycle.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from mlterms.patterns import lazy

# 'what is', 'what are', "what's" (either apostrophe) or 'whats', then an article, at the start of a
# heading or a query.
WHAT_IS = lazy(
    r"^(?:what(?:[ \t]+(?:is|are)|['\u2019]?s)(?:[ \t]+|$))?(?:(?:a|an|the)[ \t]+)?", re.IGNORECASE
)
SEPARATORS = lazy(r"[\s\-_]+")


def term_from_heading(title: str) -> str:
    """The term a heading names: 'What is a GAN ?' -> 'GAN'; 'what is dropout' -> 'dropout'."""
    title = title.strip().rstrip("?").strip()
    return WHAT_IS.sub("", title, count=1).strip()


def article_from_heading(title: str) -> str:
    """The article a heading puts before its term, lower-cased: 'What is An Encoder?' -> 'an'; '' if none."""
    return article_of(WHAT_IS.match(title.strip()))


def article_of(match: re.Match[str] | None) -> str:
    """The article that ends a WHAT_IS match ('what is an ' -> 'an'), lower-cased; '' if none."""
    words = match.group().split() if match else []
    return words[-1].casefold() if words and words[-1].casefold() in ("a", "an", "the") else ""


def heading_parts(title: str) -> tuple[str, str]:
    """(term_from_heading(title), article_from_heading(title)), with one match of WHAT_IS for
    both unless the title ends in '?' or spaces: the parser calls this for every heading."""
    stripped = title.strip()
    cleaned = stripped.rstrip("?").strip()
    found = WHAT_IS.match(cleaned)  # anchored at the start: the part sub() would remove
    term = cleaned[found.end() :].strip() if found else cleaned
    if cleaned != stripped:  # the article is matched on the title as it is (article_from_heading):
        found = WHAT_IS.match(stripped)  # in 'a ?' the 'a' has a space after it, in 'a' it has not
    return term, article_of(found)


def key(text: str) -> str:
    """The matching key of a term or query: 'What is a One-Shot_Learning?' -> 'oneshotlearning'."""
    if not text.isascii():  # full-width letters, ligatures, ...
        import unicodedata

        text = unicodedata.normalize("NFKC", text)
    text = text.strip().rstrip("?!. \t").strip()
    if text[:1] in "wWaAtT":  # any other start WHAT_IS can't match ('dropout'): no regex at all
        text = WHAT_IS.sub("", text, count=1)
    return SEPARATORS.sub("", text.casefold())


def singulars(k: str) -> Iterator[str]:
    """Candidate singular forms of a key, most literal first: 'batches' -> 'batche', 'batch'."""
    if k.endswith("ies") and len(k) > 4:
        yield k[:-3] + "y"
    if k.endswith("es") and len(k) > 3:
        yield k[:-2]
    if k.endswith("s") and not k.endswith("ss") and len(k) > 2:
        yield k[:-1]


def forms(k: str) -> tuple[str, ...]:
    """A key and its singular forms. Two keys name the same term when their forms meet, so the
    plural rule works both ways: 'hyperparameters' and 'hyperparameter' share 'hyperparameter'."""
    return (k, *singulars(k))


_TRAILING = lazy(r"[?!. \t]+(?=\x00)")  # what key() strips from the end of a name
_LEADING = lazy(r"\x00 *(?:whats?|an?|the)\b")  # words key() may strip from the start
_ODD = lazy(r"[^\x00 -~]")  # not printable ASCII


def keys(names: list[str]) -> list[str]:
    """[key(name) for name in names], in bulk: a big glossary has tens of thousands of names.

    For a name of printable ASCII that doesn't start with 'what', 'a', 'an' or 'the', key() is
    'strip ?!. from the end, casefold, drop spaces, - and _', done here on all names joined at
    once; the names found to be otherwise go through key() itself.
    """
    joined = "\x00" + "\x00".join(names) + "\x00"  # every name between two NULs
    if joined.count("\x00") != len(names) + 1:  # a NUL inside a name
        return [key(name) for name in names]
    folded = joined.lower()
    if "?\x00" in folded or "!\x00" in folded or ".\x00" in folded or " \x00" in folded:
        folded = _TRAILING.sub("", folded)
    found = folded.replace(" ", "").replace("-", "").replace("_", "").split("\x00")[1:-1]
    others = [m.start() for m in _LEADING.finditer(joined.lower())]
    plain = joined.replace("\x00", "")
    if not (plain.isascii() and plain.isprintable()):
        others += [m.start() for m in _ODD.finditer(joined)]
    if others:
        import bisect  # rare: names that start with an article, or are not printable ASCII

        starts = list(itertools.accumulate((len(name) + 1 for name in names), initial=0))
        for at in others:
            i = bisect.bisect_right(starts, at) - 1
            found[i] = key(names[i])
    return found
