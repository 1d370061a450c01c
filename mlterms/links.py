"""The links between entries: `see also`, `builds on`, the backlinks they make, and reading orders.

A library: nothing here prints. Links are written as names; they resolve to entries the way
`define` resolves a query (lookup.Resolver: case, separators, plurals, aliases). A link that
resolves to nothing is kept out of every answer here; `check` reports it.

  of(glossary)             every link resolved: Links.builds_on (term -> its prerequisites, in
                           order) and Links.used_by (term -> the terms whose links name it)
  used_by(glossary, es)    the backlinks of a few entries only, without resolving every link
  reading_order(g, entry)  every transitive prerequisite, each after all it builds on, then entry
  cycles(glossary)         each `builds on` cycle once, as the list of terms around it
"""

from __future__ import annotations

from collections.abc import Iterable

from mlterms.glossary import Entry, Glossary
from mlterms.lookup import Resolver
from mlterms.names import keys, singulars


class CycleError(ValueError):
    """A `builds on` cycle met while ordering: str(e) is 'cycle: a -> b -> a'."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__("cycle: " + " -> ".join(cycle))


class Links:
    """The resolved links of a glossary, by term. Build it once with `of(glossary)`.

    (A plain class: a dataclass costs start-up time on every command that imports this.)"""

    __slots__ = ("builds_on", "used_by")

    def __init__(self, builds_on: dict[str, list[str]], used_by: dict[str, list[str]]):
        self.builds_on = builds_on  # term -> prerequisite terms, in the order written
        self.used_by = used_by  # term -> terms linking to it, in glossary order


def of(glossary: Glossary) -> Links:
    """Resolve every `see also` and `builds on` link of the glossary (the first entry of a name wins)."""
    resolver = Resolver(glossary)
    written = [name for entry in glossary.entries for name in (*entry.builds_on, *entry.see_also)]
    written_keys = keys(written)
    resolved: dict[str, str | None] = {}  # key -> the term it names: a link is often written twice
    for k in written_keys:
        if k not in resolved:
            found = resolver.entry_of_key(k)
            resolved[k] = found.term if found is not None else None
    targets = iter([resolved[k] for k in written_keys])
    builds_on: dict[str, list[str]] = {}
    used_by: dict[str, list[str]] = {}
    for entry in glossary.entries:
        prereqs = [next(targets) for _ in entry.builds_on]
        linked = [*prereqs, *(next(targets) for _ in entry.see_also)]
        if entry.term in builds_on:  # a repeated heading: the first one is the entry
            continue
        builds_on[entry.term] = unique(t for t in prereqs if t is not None and t != entry.term)
        for term in linked:
            if term is None or term == entry.term:
                continue
            backlinks = used_by.setdefault(term, [])
            if entry.term not in backlinks:
                backlinks.append(entry.term)
    return Links(builds_on, used_by)


def used_by(glossary: Glossary, entries: Iterable[Entry]) -> dict[str, list[str]]:
    """The backlinks of these entries only: what of(glossary).used_by holds for their terms.

    For `define`: a link can name an entry only if its key shares a form (names.forms) with a
    name of the entry, so the links whose keys can't are skipped before resolving any.
    """
    terms = {entry.term for entry in entries}
    could: set[str] = set()  # every key whose forms meet a name of the entries, or a singular of one
    for entry in glossary.entries:
        if entry.term in terms:
            for k in keys(entry.names):
                for s in (k, *singulars(k)):
                    could.update((s, s + "s", s + "es", s[:-1] + "ies" if s.endswith("y") else s))
    found: dict[str, list[str]] = {}
    resolver = Resolver(glossary)
    seen: set[str] = set()
    linking = []  # (entry, link name) of the first entry of each term
    for entry in glossary.entries:
        if entry.term not in seen:
            seen.add(entry.term)
            linking += [(entry, name) for name in (*entry.builds_on, *entry.see_also)]
    for (entry, _), k in zip(linking, keys([name for _, name in linking]), strict=True):
        if k not in could:
            continue
        target = resolver.entry_of_key(k)
        if target is not None and target.term in terms and target.term != entry.term:
            backlinks = found.setdefault(target.term, [])
            if entry.term not in backlinks:
                backlinks.append(entry.term)
    return found


def unique(terms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(terms))


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
