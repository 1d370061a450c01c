"""Draw search hits: aligned term and snippet columns on a terminal (the snippet wraps under
itself, its matches highlighted), `term<TAB>snippet` when piped, or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlterms.render import Output, clean

if TYPE_CHECKING:
    from mlterms.search import Hit

MIN_SNIPPET = 16  # narrower than this beside the terms, a snippet goes on the line below its term
TERM_SHARE = 0.4  # the term column takes at most this share of the width


def hits(out: Output, found: list[Hit]) -> None:
    if out.is_json:
        out.json(
            [{"term": h.term, "score": h.score, "snippet": h.snippet, "matched": h.matched} for h in found]
        )
        return
    if not out.rich:
        for hit in found:
            out.line(f"{clean(hit.term)}\t{clean(hit.snippet)}")
        return
    if found:
        out.print(table(found, out.width))


def table(found: list[Hit], width: int):
    """A borderless grid: the terms (bold, wrapped at words if they must) and the snippets beside
    them, each wrapping with a hanging indent; at very small widths a snippet goes under its term."""
    from rich.table import Table

    longest = max(len(clean(h.term)) for h in found)
    term_width = min(longest, max(8, int(width * TERM_SHARE)))
    grid = Table.grid(padding=(0, 2))
    if width - term_width - 2 < MIN_SNIPPET:
        grid.add_column(overflow="fold")
        for hit in found:
            grid.add_row(term_text(hit))
            grid.add_row(highlighted("  " + hit.snippet, [(a + 2, b + 2) for a, b in hit.spans]))
        return grid
    grid.add_column(width=term_width, overflow="fold")
    grid.add_column(ratio=1, overflow="fold")
    for hit in found:
        grid.add_row(term_text(hit), highlighted(hit.snippet, hit.spans))
    return grid


def term_text(hit: Hit):
    from rich.text import Text

    return Text(clean(hit.term), style="bold cyan")


def highlighted(snippet: str, spans: list[tuple[int, int]]):
    """The snippet as Rich Text with each [start, end) span in bold yellow."""
    from rich.text import Text

    line = Text()
    cursor = 0
    for start, end in sorted(spans):
        line.append(clean(snippet[cursor:start]))
        line.append(clean(snippet[start:end]), style="bold yellow")
        cursor = max(cursor, end)
    line.append(clean(snippet[cursor:]))
    return line
