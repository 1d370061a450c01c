"""Draw glossary entries (define, list) and lint findings (check) as Rich, plain text or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlterms.glossary import Entry, Glossary, is_bundled
from mlterms.render import Output, bullet_grid, clean, joined, text, urls, wrap_plain

if TYPE_CHECKING:
    from mlterms.check import Finding

NO_DEFINITION = "(no definition yet)"
DEMO_HINT = "demo: mlterms demo "  # the same words on a terminal and in a pipe
PANEL_FRAME = 4  # a panel's borders and padding, left and right


def has_demo(glossary: Glossary, entry: Entry, demos: set[str]) -> bool:
    """Has the entry a demo (`demos` holds their names.key), by its term or an entry it shadows?
    `mlterms demo TERM` then runs it."""
    return glossary.demo_key(entry, demos) is not None


def entry_data(entry: Entry, glossary: Glossary, demo: bool, used_by: list[str] | None = None) -> dict:
    """An entry as JSON; `used_by` (backlinks) is there only where the command computes it (define)."""
    data = {
        "term": entry.term,
        "aliases": entry.aliases,
        "definition": entry.definition,
        "see_also": entry.see_also,
        "builds_on": entry.builds_on,
        "sources": entry.sources,
        "demo": f"mlterms demo {entry.term}" if demo else None,
        "source": {"path": entry.origin or glossary.path, "line": entry.line},
    }
    if used_by is not None:
        data["used_by"] = used_by
    return data


def define(
    out: Output,
    glossary: Glossary,
    entries: list[Entry],
    demos: set[str],
    used_by: dict[str, list[str]],
    many: bool = False,
) -> None:
    """The entries; JSON is an array when `many` terms were asked, else the one entry's object.

    `used_by` maps a term to the terms that link to it (links.Links.used_by).
    """
    if out.is_json:
        data = [
            entry_data(e, glossary, has_demo(glossary, e, demos), used_by.get(e.term, [])) for e in entries
        ]
        out.json(data if many else data[0])
        return
    width = out.wrap_width()
    for i, entry in enumerate(entries):
        backlinks = used_by.get(entry.term, [])
        if out.rich:
            panel, below = entry_panel(entry, has_demo(glossary, entry, demos), out.width, backlinks)
            out.print(panel)
            for line in below:
                out.unbroken(line)  # a URL wider than the terminal stays one line
        else:
            if i:
                out.line()
            lines = entry_lines(entry, has_demo(glossary, entry, demos), backlinks)
            out.line("\n".join(wrapped for line in lines for wrapped in wrap_plain(line, width)))


def link_fields(entry: Entry, used_by: Sequence[str]) -> list[tuple[str, str]]:
    """(label, comma-separated names) of the entry's links that are there: see also, builds on, used by."""
    fields = [("see also:", entry.see_also), ("builds on:", entry.builds_on), ("used by:", list(used_by))]
    return [(label, ", ".join(names)) for label, names in fields if names]


def entry_lines(entry: Entry, demo: bool, used_by: Sequence[str] = ()) -> list[str]:
    """The entry as plain lines: in a pipe one per bullet or field, so grep and cut keep working."""
    lines = [clean(entry.term)]
    if entry.aliases:
        lines.append("aka: " + clean(", ".join(entry.aliases)))
    lines += [f"- {clean(b)}" for b in entry.definition] or [f"- {NO_DEFINITION}"]
    lines += [f"{label} {clean(names)}" for label, names in link_fields(entry, used_by)]
    lines += [f"source: {clean(s)}" for s in entry.sources]
    if demo:
        lines.append(DEMO_HINT + clean(entry.term))
    return lines


def origin_line(entry: Entry) -> str:
    """Where the entry comes from, for the panel's footer: 'bundled:51', '~/notes/ml.md:12'."""
    if not entry.origin:
        return ""
    where = "bundled" if is_bundled(entry.origin) else home_relative(entry.origin)
    return f"{where}:{entry.line}"


def home_relative(path: str) -> str:
    """'/home/ada/notes/ml.md' -> '~/notes/ml.md': shorter, and still a path a shell reads."""
    import os

    home = os.path.expanduser("~")
    if home not in ("~", "/") and path.startswith(home + os.sep):
        return "~" + path[len(home) :]
    return path


def entry_panel(entry: Entry, demo: bool, width: int, used_by: Sequence[str] = ()):
    """The entry in a panel, and the lines to print below it: links too long to fit inside.

    A URL is never broken: a source that does not fit on one line of the panel, and any URL in
    a bullet wider than the panel, is also printed whole below the border.
    """
    from rich.console import Group
    from rich.panel import Panel

    inner = width - PANEL_FRAME
    parts: list = [bullet_grid(entry.definition or [NO_DEFINITION], "" if entry.definition else "dim italic")]
    below: list[tuple[str, str]] = [
        ("", url) for b in entry.definition for url in urls(b) if len(url) > inner - 2
    ]
    subtitle, shown = aliases_border(entry.aliases, width)
    if shown < len(entry.aliases):  # the border could not hold them all: every one is inside
        parts.insert(0, field("aka:", ", ".join(entry.aliases)))
    parts += [field(label, names) for label, names in link_fields(entry, used_by)]
    for source in entry.sources:
        if len("source: " + clean(source)) <= inner:
            parts.append(text(f"source: {source}", "dim"))
        else:
            below.append(("source: ", source))
    if demo:
        parts.append(text(DEMO_HINT + entry.term, "green"))
    if origin_line(entry):
        parts.append(text(origin_line(entry), "dim italic"))
    title = text(entry.term, "bold")
    panel = Panel(Group(*parts), title=title, title_align="left", subtitle=subtitle, subtitle_align="right")
    return panel, [line for label, url in dict.fromkeys(below) for line in link_lines(label, url, width)]


def field(label: str, value: str):
    """'label value', the value wrapping under itself rather than under the label."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1, style="dim")
    grid.add_row(label, text(value))
    return grid


def link_lines(label: str, url: str, width: int) -> list:
    """'label url' on one line, or the label and then the URL on a line of its own."""
    if len(clean(label + url)) <= width:
        return [text(label, "dim") + text(url)]
    return [text(label.strip(), "dim"), text(url)] if label.strip() else [text(url)]


def aliases_border(aliases: list[str], width: int):
    """'aka a, b, c' for the panel's lower border, with '…' after the last alias that fits.

    Returns the Rich text (None without aliases) and how many aliases it shows.
    """
    budget = width - PANEL_FRAME - 4  # the corners and the spaces around the text
    shown = len(aliases)
    while (
        shown
        and len(clean("aka " + ", ".join(aliases[:shown]) + (", …" if shown < len(aliases) else ""))) > budget
    ):
        shown -= 1
    if not aliases:
        return None, 0
    words = "aka " + ", ".join(aliases[:shown]) + (", …" if 0 < shown < len(aliases) else "")
    return text(words if shown else "aka …", "dim"), shown


def listing(out: Output, glossary: Glossary, demos: set[str]) -> None:
    if out.is_json:
        out.json([entry_data(e, glossary, has_demo(glossary, e, demos)) for e in glossary.entries])
    elif out.rich:
        out.print(entries_table(glossary, demos, out.width))
    else:
        for entry in glossary.entries:
            out.line(clean(entry.term))


LIST_FRAME = 4 + 2 * 3  # a table's four vertical lines, and one space each side of its three cells
MIN_PREVIEW = 12  # narrower than this, the definition column is left out


def entries_table(glossary: Glossary, demos: set[str], width: int):
    """Every term whole (wrapped at words if it must), the demo column, and a preview of the
    definition in the space left. Over the bundled glossary, your own entries are marked ✎."""
    from rich.table import Table

    firsts = [e.definition[0] if e.definition else NO_DEFINITION for e in glossary.entries]
    yours = [bool(e.origin) and not is_bundled(e.origin) for e in glossary.entries]
    marked = any(yours) and not all(yours)  # your notes over the bundled glossary
    frame = LIST_FRAME + (4 if marked else 0)  # the mark column: its line, its spaces and ✎
    longest = max((len(clean(e.term)) for e in glossary.entries), default=4)
    term_width = max(4, min(longest, width - frame - 4))
    preview = min(max((len(clean(f)) for f in firsts), default=0), width - frame - 4 - term_width)
    title = f"{len(glossary.entries)} terms in {glossary.path}"
    if marked:
        title = f"{len(glossary.entries)} terms: {sum(yours)} yours (✎), {len(yours) - sum(yours)} bundled"
    table = Table(title=text(title, "dim"), expand=False)
    if marked:
        table.add_column("", style="cyan", width=1, no_wrap=True)
    table.add_column("term", style="bold", width=term_width, overflow="fold")
    if preview >= MIN_PREVIEW:
        table.add_column("definition", width=preview, overflow="ellipsis", no_wrap=True)
    table.add_column("demo", justify="center", style="green", width=4, no_wrap=True)
    for entry, first, mine in zip(glossary.entries, firsts, yours, strict=True):
        cells = [text(entry.term)] + ([text(first)] if preview >= MIN_PREVIEW else [])
        mark = ["✎" if mine else ""] if marked else []
        table.add_row(*mark, *cells, "✓" if has_demo(glossary, entry, demos) else "")
    return table


def finding_data(path: str, finding: Finding) -> dict:
    """A finding as JSON: {"path", "line", "kind", "message", "info"}."""
    return {"path": path, **finding.as_dict(), "info": finding.info}


def findings(out: Output, checked: Sequence[tuple[str, list[Finding]]]) -> None:
    """Each checked file's findings, `path:line: kind: message`; JSON has every finding with its path.

    `checked` is (path, findings) per file, top layer first.
    """
    if out.is_json:
        out.json(
            {
                "path": checked[0][0],
                "layers": [path for path, _ in checked],
                "findings": [finding_data(path, f) for path, found in checked for f in found],
            }
        )
        return
    for path, found in checked:
        for f in found:
            if out.rich:
                kind = text(f"{f.kind}: ", "cyan" if f.info else "yellow")
                out.print(joined(text(f"{path}:{f.line}: ", "bold"), kind, text(f.message)))
            else:
                out.line(f"{clean(path)}:{f.line}: {f.kind}: {clean(f.message)}")
        if out.rich and all(f.info for f in found):
            out.print(text(f"{path}: no problems found", "green"))
