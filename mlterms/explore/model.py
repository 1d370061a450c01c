"""What the explorer shows, computed without Textual: entries by term, their demos and links.

The app asks this module, never the parser or the registry directly, so that the Textual side
holds only layout and keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mlterms import links
from mlterms.glossary import Entry, Glossary
from mlterms.lookup import Resolver
from mlterms.names import key
from mlterms.render.path import Step, steps

if TYPE_CHECKING:  # FSRS, which the state imports, is not needed to draw the first screen
    from mlterms.quiz.state import Progress


@dataclass(frozen=True)
class Link:
    """A name as the entry writes it, and the term it opens (None: it names no entry)."""

    shown: str
    term: str | None


@dataclass(frozen=True)
class LinkGroup:
    label: str  # 'see also', 'builds on', 'used by'
    links: tuple[Link, ...]


class Atlas:
    """The glossary as the explorer walks it: one entry per term (the first of duplicate headings),
    the demo of each, and the links between them."""

    def __init__(self, glossary: Glossary, demo_names: list[str]):
        self.glossary = glossary
        self.by_term: dict[str, Entry] = {}
        for entry in glossary.entries:
            self.by_term.setdefault(entry.term, entry)
        self.entries = list(self.by_term.values())
        self.links = links.of(glossary)
        self.resolver = Resolver(glossary)
        demos = {key(name): name for name in demo_names}
        found = {e.term: glossary.demo_key(e, demos) for e in self.entries}  # as `mlterms demo` finds it
        self.demos = {term: demos[k] if k else None for term, k in found.items()}
        self.with_demo = {term for term, demo in self.demos.items() if demo}

    def entry(self, term: str) -> Entry:
        return self.by_term[term]

    def demo(self, term: str) -> str | None:
        """The name of the term's demo, or None."""
        return self.demos.get(term)

    def link_groups(self, entry: Entry) -> list[LinkGroup]:
        """see also, builds on and used by, each link resolved to the term it opens; empty ones left out."""
        used_by = self.links.used_by.get(entry.term, [])
        groups = [
            ("see also", [self.link(name) for name in entry.see_also]),
            ("builds on", [self.link(name) for name in entry.builds_on]),
            ("used by", [Link(term, term) for term in used_by]),
        ]
        return [LinkGroup(label, tuple(found)) for label, found in groups if found]

    def link(self, name: str) -> Link:
        target = self.resolver.entry(name)
        return Link(name, target.term if target is not None else None)

    def reading_order(self, term: str, progress: Progress, now: datetime) -> list[Step]:
        """`mlterms path TERM` as steps; links.CycleError on a `builds on` cycle."""
        order = links.reading_order(self.links, term)
        return steps(order, self.links.builds_on, self.with_demo, progress, now)


def layer(entry: Entry) -> str | None:
    """Where the entry comes from, when glossaries are layered (an `origin` on the entry), else None."""
    origin = getattr(entry, "origin", None)
    return str(origin) if origin else None
