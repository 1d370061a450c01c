"""A search result: what search() returns and render/search.py draws."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlterms.search.snippet import Spans


@dataclass
class Hit:
    term: str  # the entry's term
    score: float  # higher is better (see the module doc); 100+ for an exact name
    snippet: str  # one line: the best-matching definition bullet, at most ~80 chars
    spans: Spans = field(default_factory=list)  # [start, end) in snippet to highlight
    matched: list[str] = field(default_factory=list)  # fields that matched: name, alias, definition, ...
