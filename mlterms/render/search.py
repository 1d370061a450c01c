"""Draw search hits: term and snippet with the matches highlighted, TSV when piped, or JSON."""

from __future__ import annotations

from mlterms.render import Output, clean, joined, text


def hits(out: Output, found: list) -> None:
    if out.is_json:
        out.json([{"term": h.term, "score": h.score, "snippet": h.snippet} for h in found])
        return
    for hit in found:
        if out.rich:
            out.print(joined(text(hit.term, "bold cyan"), text("  "), highlighted(hit.snippet, hit.spans)))
        else:
            out.line(f"{clean(hit.term)}\t{clean(hit.snippet)}")


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
