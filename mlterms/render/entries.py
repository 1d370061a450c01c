"""Draw glossary entries (define, list) and lint findings (check) as Rich, plain text or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.glossary import Entry, Glossary
from mlterms.render import Output, clean, joined, text

if TYPE_CHECKING:
    from mlterms.check import Finding

NO_DEFINITION = "(no definition yet)"


def entry_data(entry: Entry, glossary: Glossary, demo: bool) -> dict:
    return {
        "term": entry.term,
        "aliases": entry.aliases,
        "definition": entry.definition,
        "see_also": entry.see_also,
        "sources": entry.sources,
        "demo": f"mlterms demo {entry.term}" if demo else None,
        "source": {"path": glossary.path, "line": entry.line},
    }


def define(
    out: Output, glossary: Glossary, entries: list[Entry], demos: set[str], many: bool = False
) -> None:
    """The entries; JSON is an array when `many` terms were asked, else the one entry's object."""
    if out.mode == "json":
        data = [entry_data(e, glossary, e.term in demos) for e in entries]
        out.json(data if many else data[0])
        return
    for i, entry in enumerate(entries):
        if out.rich:
            out.print(entry_panel(entry, entry.term in demos))
        else:
            if i:
                out.line()
            out.line("\n".join(entry_lines(entry, entry.term in demos)))


def entry_lines(entry: Entry, demo: bool) -> list[str]:
    lines = [clean(entry.term)]
    if entry.aliases:
        lines.append("aka: " + clean(", ".join(entry.aliases)))
    lines += [f"- {clean(b)}" for b in entry.definition] or [f"- {NO_DEFINITION}"]
    if entry.see_also:
        lines.append("see also: " + clean(", ".join(entry.see_also)))
    lines += [f"source: {clean(s)}" for s in entry.sources]
    if demo:
        lines.append(f"demo: mlterms demo {clean(entry.term)}")
    return lines


def entry_panel(entry: Entry, demo: bool):
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    bullets = Table.grid(padding=(0, 1))
    bullets.add_column(style="cyan", no_wrap=True)
    bullets.add_column(ratio=1)
    for bullet in entry.definition or [NO_DEFINITION]:
        bullets.add_row("•", text(bullet, "" if entry.definition else "dim italic"))
    parts = [bullets]
    if entry.see_also:
        parts.append(text("see also: " + ", ".join(entry.see_also), "dim"))
    parts += [text(f"source: {s}", "dim") for s in entry.sources]
    if demo:
        parts.append(text(f"try: mlterms demo {entry.term}", "green"))
    subtitle = text("aka " + ", ".join(entry.aliases), "dim") if entry.aliases else None
    title = text(entry.term, "bold")
    return Panel(Group(*parts), title=title, title_align="left", subtitle=subtitle, subtitle_align="right")


def listing(out: Output, glossary: Glossary, demos: set[str]) -> None:
    if out.mode == "json":
        out.json([entry_data(e, glossary, e.term in demos) for e in glossary.entries])
    elif out.rich:
        out.print(entries_table(glossary, demos))
    else:
        for entry in glossary.entries:
            out.line(clean(entry.term))


def entries_table(glossary: Glossary, demos: set[str]):
    from rich.table import Table

    table = Table(title=text(f"{len(glossary.entries)} terms in {glossary.path}", "dim"), expand=False)
    table.add_column("term", style="bold", no_wrap=True)
    table.add_column("definition", ratio=1, overflow="ellipsis", no_wrap=True)
    table.add_column("demo", justify="center", style="green")
    for entry in glossary.entries:
        first = entry.definition[0] if entry.definition else NO_DEFINITION
        table.add_row(text(entry.term), text(first), "✓" if entry.term in demos else "")
    return table


def findings(out: Output, path: str, found: list[Finding]) -> None:
    if out.mode == "json":
        out.json({"path": path, "findings": [f.as_dict() for f in found]})
        return
    for f in found:
        if out.rich:
            out.print(
                joined(text(f"{path}:{f.line}: ", "bold"), text(f"{f.kind}: ", "yellow"), text(f.message))
            )
        else:
            out.line(f"{clean(path)}:{f.line}: {f.kind}: {clean(f.message)}")
    if out.rich and not found:
        out.print(text(f"{path}: no problems found", "green"))
