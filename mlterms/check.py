"""Lint a glossary: empty entries, duplicate names, dangling see-also, lines that belong nowhere."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from mlterms.glossary import Glossary
from mlterms.lookup import resolve
from mlterms.names import key


@dataclass(frozen=True)
class Finding:
    line: int
    kind: str  # empty | duplicate | see-also | stray
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def lint(glossary: Glossary) -> list[Finding]:
    """Every finding in the glossary, in line order."""
    findings = [*empty_entries(glossary), *duplicates(glossary), *dangling_links(glossary)]
    findings += [Finding(n, "stray", f"line belongs to no entry: {text[:60]}") for n, text in glossary.stray]
    return sorted(findings, key=lambda f: (f.line, f.kind))


def empty_entries(glossary: Glossary) -> list[Finding]:
    return [
        Finding(e.line, "empty", f"'{e.term}' has no definition")
        for e in glossary.entries
        if not e.definition
    ]


def duplicates(glossary: Glossary) -> list[Finding]:
    """Names or aliases that more than one entry claims; reported at each later entry."""
    first: dict[str, str] = {}
    findings = []
    for entry in glossary.entries:
        for name in dict.fromkeys(key(n) for n in entry.names):
            if name in first and first[name] != entry.term:
                findings.append(
                    Finding(entry.line, "duplicate", f"'{entry.term}' repeats the name of '{first[name]}'")
                )
            elif name in first:
                findings.append(Finding(entry.line, "duplicate", f"'{entry.term}' is defined more than once"))
            first.setdefault(name, entry.term)
    return list(dict.fromkeys(findings))  # a repeated heading that repeats its alias too: one finding


def dangling_links(glossary: Glossary) -> list[Finding]:
    return [
        Finding(e.line, "see-also", f"'{e.term}' sees also '{target}', which is not in the glossary")
        for e in glossary.entries
        for target in e.see_also
        if resolve(glossary, target) is None
    ]
