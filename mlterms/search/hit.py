"""A search result: what search() returns and render/search.py draws."""

from __future__ import annotations

from mlterms.search.snippet import Spans


class Hit:
    """A plain class with slots, not a dataclass: generating one costs every search about 0.5 ms."""

    __slots__ = FIELDS = ("term", "score", "snippet", "spans", "matched")

    def __init__(
        self,
        term: str,  # the entry's term
        score: float,  # higher is better (see query.py); 100+ for an exact name
        snippet: str,  # one line: the best-matching definition bullet, at most ~80 chars
        spans: Spans | None = None,  # [start, end) in snippet to highlight
        matched: list[str] | None = None,  # fields that matched: name, alias, definition, ...
    ) -> None:
        self.term = term
        self.score = score
        self.snippet = snippet
        self.spans: Spans = [] if spans is None else spans
        self.matched: list[str] = [] if matched is None else matched

    def __eq__(self, other: object) -> bool:
        if type(other) is not Hit:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return "Hit(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.FIELDS) + ")"
