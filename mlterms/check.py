"""Lint a glossary: what a careful reader would point at, each at the line it is on.

Kinds: `empty` (an entry with no definition, a file with no entries), `duplicate` (a name or alias
that two entries claim, or an alias repeating its own entry's name), `see-also` (a link to a
missing term or to its own entry), `builds-on` (the same, for a prerequisite), `cycle` (entries
that build on each other: `cycle: a -> b -> a`), `field` (an `aka:`, `see also:`, `builds on:` or
`source:` with nothing after it), `heading` (`###what is x`: no space, so markdown reads it as text) and `stray` (a line that
belongs to no entry).

Layers (layers.py) are checked one by one, each with the layers below it as context: a link may
point into a lower layer, and an entry that hides a lower layer's entry is a `shadows` finding,
which is information (INFO): it does not make a glossary fail its check.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from mlterms import layers, links
from mlterms.glossary import Entry, Glossary
from mlterms.lookup import Resolver
from mlterms.names import key

INFO = frozenset({"shadows"})  # kinds that inform, and never make `check` exit 1


@dataclass(frozen=True)
class Finding:
    line: int
    kind: str  # empty | duplicate | see-also | builds-on | cycle | field | heading | stray | shadows
    message: str

    @property
    def info(self) -> bool:
        return self.kind in INFO

    def as_dict(self) -> dict:
        return asdict(self)


def lint(glossary: Glossary, below: Sequence[Glossary] = ()) -> list[Finding]:
    """Every finding in the glossary, in line order; `below` are the layers under it, top first."""
    under = layers.merge(below) if below else None
    findings = [
        *empty_entries(glossary),
        *duplicates(glossary),
        *broken_links(glossary, under),
        *empty_fields(glossary),
    ]
    findings += cycles(glossary, under)
    findings += shadowing(glossary, below)
    findings += [
        Finding(n, "heading", f"'{text[:60]}' is not a heading: put a space after '###'")
        for n, text in glossary.unspaced
    ]
    findings += [Finding(n, "stray", f"line belongs to no entry: {text[:60]}") for n, text in glossary.stray]
    return sorted(findings, key=lambda f: (f.line, f.kind))


def empty_entries(glossary: Glossary) -> list[Finding]:
    if not glossary.entries:
        return [Finding(1, "empty", "no entries: an entry starts with a '### what is <term>' heading")]
    return [
        Finding(e.line, "empty", f"'{e.term}' has no definition")
        for e in glossary.entries
        if not e.definition
    ]


@dataclass(frozen=True)
class _Claim:
    """The first use of a name: as the term or an alias of an entry, on a line."""

    entry: Entry
    alias: bool
    line: int

    def role(self) -> str:
        return f"an alias of '{self.entry.term}'" if self.alias else f"the name of '{self.entry.term}'"


def duplicates(glossary: Glossary) -> list[Finding]:
    """Names and aliases claimed twice, at each later claim, naming the first and its line.

    Names match by names.key (as lookups do), except within an entry: there an alias repeats its
    entry's name or an earlier alias only when it is the same ignoring case, since a near spelling
    ('fine-tuning' under 'fine tuning') is what an alias is for.
    """
    first: dict[str, _Claim] = {}
    findings = []
    for entry in glossary.entries:
        term = key(entry.term)
        claim = first.get(term)
        if claim and not claim.alias and key(claim.entry.term) == term:
            findings.append(
                Finding(
                    entry.line, "duplicate", f"'{entry.term}' is defined more than once (line {claim.line})"
                )
            )
        elif claim:
            findings.append(
                Finding(
                    entry.line, "duplicate", f"'{entry.term}' is already {claim.role()} (line {claim.line})"
                )
            )
        first.setdefault(term, _Claim(entry, False, entry.line))
        seen = {entry.term.casefold(): entry.line}
        for alias, line in zip(entry.aliases, entry.alias_lines, strict=True):
            findings += _alias_findings(entry, alias, line, seen, first.get(key(alias)))
            seen.setdefault(alias.casefold(), line)
            first.setdefault(key(alias), _Claim(entry, True, line))
    return findings


def _alias_findings(
    entry: Entry, alias: str, line: int, seen: dict[str, int], claim: _Claim | None
) -> list[Finding]:
    where = f"alias '{alias}' of '{entry.term}'"
    if alias.casefold() == entry.term.casefold():
        return [Finding(line, "duplicate", f"{where} is the entry's own name")]
    if alias.casefold() in seen:
        return [Finding(line, "duplicate", f"{where} is listed twice (line {seen[alias.casefold()]})")]
    if claim is None or claim.entry is entry or key(claim.entry.term) == key(entry.term):
        return []  # a near spelling in the same entry, or a repeated entry: its heading is reported
    return [Finding(line, "duplicate", f"{where} is already {claim.role()} (line {claim.line})")]


def lint_layers(parts: Sequence[Glossary]) -> list[tuple[Glossary, list[Finding]]]:
    """Each layer, top first, with its findings (each layer linted over the layers below it)."""
    return [(part, lint(part, parts[n + 1 :])) for n, part in enumerate(parts)]


def broken_links(glossary: Glossary, under: Glossary | None = None) -> list[Finding]:
    """See-also and builds-on links to no entry (here or in the layers `under`), or to the entry
    they are in."""
    resolver = Resolver(glossary)
    lower = Resolver(under) if under is not None else None
    findings = []
    for entry in glossary.entries:
        fields = (
            ("see-also", "see also", entry.see_also, entry.see_also_lines),
            ("builds-on", "builds on", entry.builds_on, entry.builds_on_lines),
        )
        for kind, label, targets, lines in fields:
            for target, line in zip(targets, lines, strict=True):
                found = resolver.entry(target)
                if found is None and lower is not None:
                    found = lower.entry(target)
                where = f"{label} '{target}' of '{entry.term}'"
                if found is None:
                    findings.append(Finding(line, kind, f"{where} is not in the glossary"))
                elif found is entry or key(found.term) == key(entry.term):
                    findings.append(Finding(line, kind, f"{where} names its own entry"))
    return findings


def cycles(glossary: Glossary, under: Glossary | None = None) -> list[Finding]:
    """Each `builds on` cycle once, at the `builds on` line of its first entry. With the layers
    `under`, the cycles of the merged glossary that start in this one (through lower entries too)."""
    first: dict[str, Entry] = {}
    for entry in glossary.entries:
        first.setdefault(entry.term, entry)
    merged = layers.merge([glossary, under]) if under is not None else glossary
    findings = []
    for cycle in links.cycles(links.of(merged)):
        if cycle[0] not in first:
            continue  # among lower entries only: reported where they are
        entry = first[cycle[0]]
        line = entry.builds_on_lines[0] if entry.builds_on_lines else entry.line
        findings.append(Finding(line, "cycle", "cycle: " + " -> ".join(cycle)))
    return findings


def empty_fields(glossary: Glossary) -> list[Finding]:
    return [
        Finding(n, "field", f"'{name}:' of '{e.term}' is empty")
        for e in glossary.entries
        for n, name in e.empty_fields
    ]


def shadowing(glossary: Glossary, below: Sequence[Glossary]) -> list[Finding]:
    """Information: each entry of the glossary that hides an entry of a layer below it."""
    if not below:
        return []
    mine = {id(e) for e in glossary.entries}
    return [
        Finding(
            s.upper.line,
            "shadows",
            f"'{s.upper.term}' shadows '{s.lower.term}' of {layers.shown(s.lower.origin)}:{s.lower.line}",
        )
        for s in layers.shadows([glossary, *below])
        if id(s.upper) in mine
    ]


@dataclass(frozen=True)
class EntryCheck:
    """One entry of a layer, as `add` and `edit` report it."""

    entry: Entry
    findings: list[Finding]  # on the entry's lines, `shadows` included
    shadows: list[Entry]  # entries of lower layers that it hides
    hidden_by: list[Entry]  # entries of higher layers that hide it


def check_entry(parts: Sequence[Glossary], path: str, line: int, term: str) -> EntryCheck | None:
    """The entry of the layer `path` headed on `line` (else the first one named `term`), with the
    findings on its lines (its heading up to the next entry's). None if neither is there."""
    real = os.path.realpath(path)
    n = next((i for i, part in enumerate(parts) if os.path.realpath(part.path) == real), None)
    if n is None:
        return None
    part = parts[n]
    entry = next((e for e in part.entries if e.line == line and key(e.term) == key(term)), None)
    entry = entry or next((e for e in part.entries if key(term) in map(key, e.names)), None)
    if entry is None:
        return None
    end = min((e.line for e in part.entries if e.line > entry.line), default=None)
    found = [f for f in lint(part, parts[n + 1 :]) if entry.line <= f.line and (end is None or f.line < end)]
    shadows = [s.lower for s in layers.shadows(parts[n:]) if s.upper is entry]
    hidden_by = [s.upper for s in layers.shadows(parts[: n + 1]) if s.lower is entry]
    return EntryCheck(entry, found, shadows, hidden_by)
