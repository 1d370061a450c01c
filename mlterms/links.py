"""The links between entries: `see also`, `builds on`, the backlinks they make, and reading orders.

A library: nothing here prints. Links are written as names; they resolve to entries the way
`define` resolves a query (lookup.Resolver: case, separators, plurals, aliases). A link that
resolves to nothing is kept out of every answer here; `check` reports it.

  used_by(glossary)        term -> the terms whose `see also` or `builds on` names it (backlinks)
  prerequisites(glossary)  term -> the terms its `builds on` names, resolved, in their order
  reading_order(g, entry)  every transitive prerequisite, each after all it builds on, then entry
  cycles(glossary)         each `builds on` cycle once, as the list of terms around it
"""

from __future__ import annotations

from dataclasses import dataclass

from mlterms.glossary import Glossary
from mlterms.lookup import Resolver


class CycleError(ValueError):
    """A `builds on` cycle met while ordering: str(e) is 'cycle: a -> b -> a'."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__("cycle: " + " -> ".join(cycle))


@dataclass(frozen=True)
class Links:
    """The resolved links of a glossary, by term. Build it once with `of(glossary)`."""

    builds_on: dict[str, list[str]]  # term -> prerequisite terms, in the order written
    used_by: dict[str, list[str]]  # term -> terms linking to it, in glossary order


def of(glossary: Glossary) -> Links:
    """Resolve every `see also` and `builds on` link of the glossary (the first entry of a name wins)."""
    resolver = Resolver(glossary)
    builds_on: dict[str, list[str]] = {}
    used_by: dict[str, list[str]] = {}
    for entry in glossary.entries:
        if entry.term in builds_on:  # a repeated heading: the first one is the entry
            continue
        prereqs: list[str] = []
        for name in entry.builds_on:
            found = resolver.entry(name)
            if found is not None and found.term != entry.term and found.term not in prereqs:
                prereqs.append(found.term)
        builds_on[entry.term] = prereqs
        for name in [*entry.see_also, *entry.builds_on]:
            found = resolver.entry(name)
            if found is None or found.term == entry.term:
                continue
            backlinks = used_by.setdefault(found.term, [])
            if entry.term not in backlinks:
                backlinks.append(entry.term)
    return Links(builds_on, used_by)


def reading_order(links: Links, term: str) -> list[str]:
    """The transitive prerequisites of `term`, each after everything it builds on, ending with term.

    Depth first, in the order each `builds on` lists them, so the order is stable. Raises
    CycleError at the first cycle met.
    """
    order: list[str] = []
    done: set[str] = set()
    path: list[str] = []  # the chain being followed, to name a cycle
    stack: list[tuple[str, int]] = [(term, 0)]  # (term, index of its next prerequisite)
    path.append(term)
    while stack:
        current, i = stack[-1]
        prereqs = links.builds_on.get(current, [])
        if i < len(prereqs):
            stack[-1] = (current, i + 1)
            nxt = prereqs[i]
            if nxt in done:
                continue
            if nxt in path:
                raise CycleError([*path[path.index(nxt) :], nxt])
            stack.append((nxt, 0))
            path.append(nxt)
            continue
        stack.pop()
        path.pop()
        done.add(current)
        order.append(current)
    return order


def cycles(links: Links) -> list[list[str]]:
    """Each `builds on` cycle once, as [a, b, ..., a], starting at its first term in glossary order."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    settled: set[str] = set()
    for term in links.builds_on:
        if term in settled:
            continue
        try:
            settled.update(reading_order(links, term))
        except CycleError as e:
            members = frozenset(e.cycle)
            if members not in seen:
                seen.add(members)
                found.append(e.cycle)
    return found
