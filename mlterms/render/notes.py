"""Draw what `add` and `edit` did: the entry, where it is now, what it shadows, its findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.layers import shown
from mlterms.render import Output, clean, text
from mlterms.render.entries import entry_data, finding_data, findings, has_demo

if TYPE_CHECKING:
    from mlterms.check import EntryCheck
    from mlterms.glossary import Entry, Glossary


def where(entry: Entry) -> str:
    return f"{shown(entry.origin)}:{entry.line}"


def placement(checked: EntryCheck) -> list[str]:
    """What the entry hides, and what hides it, in words."""
    lines = [f"It shadows '{e.term}' of {where(e)}: yours is used instead." for e in checked.shadows]
    lines += [
        f"It is hidden by '{e.term}' of {where(e)}, a layer above it, which is used instead."
        for e in checked.hidden_by
    ]
    return lines


def added(out: Output, glossary: Glossary, block: str, checked: EntryCheck, demos: set[str]) -> None:
    """`add`: the entry as written, where, what it shadows, and its findings."""
    entry = checked.entry
    if out.is_json:
        data = entry_data(entry, glossary, has_demo(glossary, entry, demos))
        data["shadows"] = [
            {"term": e.term, "source": {"path": e.origin, "line": e.line}} for e in checked.shadows
        ]
        data["hidden_by"] = [
            {"term": e.term, "source": {"path": e.origin, "line": e.line}} for e in checked.hidden_by
        ]
        data["findings"] = [finding_data(entry.origin, f) for f in checked.findings if not f.info]
        out.json(data)
        return
    say(out, [f"Added '{entry.term}' to {entry.origin}:{entry.line}:"], "green")
    say(out, block.split("\n"))
    say(out, placement(checked), "cyan")
    problems(out, checked)


def edited(out: Output, checked: EntryCheck, copied_from: Entry | None) -> None:
    """`edit`, after the editor: where the entry is, what it shadows, and its findings."""
    entry = checked.entry
    if copied_from is not None:
        lead = f"Copied '{copied_from.term}' of {where(copied_from)} into {entry.origin}:{entry.line}, and edited it."
    else:
        lead = f"Edited '{entry.term}' in {entry.origin}:{entry.line}."
    say(out, [lead], "green")
    say(out, placement(checked), "cyan")
    problems(out, checked)


def problems(out: Output, checked: EntryCheck) -> None:
    found = [f for f in checked.findings if not f.info]
    if found:
        findings(out, [(checked.entry.origin, found)])


def say(out: Output, lines: list[str], style: str = "") -> None:
    """Lines of a report, literal; on a terminal in `style`."""
    for line in lines:
        if out.rich:
            out.print(text(line, style))
        else:
            out.line(clean(line))
