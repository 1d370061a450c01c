"""Draw demo Reports as Rich, plain text or JSON, from the same data.

Text output opens each demo with a heading and its summary line, then each section with its
tensors, tables, scalars, notes, plots and heatmaps, then every check with ok or FAIL.
It fits the width (the terminal's, or $COLUMNS when piped, 80 by default, at most
READING_WIDTH) without losing a number: a grid too wide is split into blocks of columns, and
prose, headings and checks wrap at words (see render/grids.py). Plain mode draws plots without
colour, heatmaps as numbers with shade characters, and never imports Rich; Rich drawing lives
in render/report_rich.py.

JSON keeps every number (see render/numbers.py for NaN and the infinities).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from mlterms.demos.report import Check, Heatmap, Note, Plot, Report, Scalar, Table, Tensor
from mlterms.render import Output, clean, plural, text
from mlterms.render.checks import kind_of, status, verdict, wrap
from mlterms.render.grids import (
    MAX_ROWS,
    Grid,
    block_label,
    column_blocks,
    elide,
    heat,
    heat_range,
    label,
    shape_text,
    slices,
    table_grid,
    tensor_grid,
    title_lines,
    wrap_cell,
)
from mlterms.render.numbers import flatten, formatter, json_safe, number
from mlterms.render.plots import MARKS, chart, has_points

SHADES = " ░▒▓█"  # low to high, for heatmaps in plain text
MAX_DETAIL = 40  # check details up to this long line up; longer ones push their status right

__all__ = ["elide", "formatter", "json_safe", "slices"]  # with the drawing functions below


# ------------------------------------------------------------------------------ the commands


def report(out: Output, r: Report, first: bool = True) -> None:
    """One demo as Rich renderables or plain lines (JSON goes through json_reports)."""
    if out.rich:
        from mlterms.render.report_rich import rich_report

        rich_report(out, r)
    else:
        lines = ([] if first else [""]) + plain_report(r, out.width)
        out.line("\n".join(line.rstrip() for line in lines))


def json_reports(out: Output, reports: list[Report], many: bool) -> None:
    """One object, or an array of them when several demos ran (or --all)."""
    data = [report_data(r) for r in reports]
    out.json(data if many else data[0])


def tally(out: Output, reports: list[Report]) -> None:
    """The closing line after several demos: how many checks passed, which demos failed."""
    checks = sum(len(r.checks) for r in reports)
    failed = [r.term for r in reports if not r.passed]
    line = f"{plural(len(reports), 'demo')}, {plural(checks, 'check')}: " + (
        f"FAILED in {', '.join(failed)}" if failed else "all ok"
    )
    if out.rich:
        out.print(text(line, "bold red" if failed else "bold green"))
    else:
        out.line("\n".join(wrap(line, out.width)))


def listing(out: Output, summaries: dict[str, str]) -> None:
    """The demo names: one per line when piped, a table with summaries on a terminal, or JSON."""
    if out.is_json:
        out.json([{"term": name, "summary": summary} for name, summary in summaries.items()])
    elif out.rich:
        from rich.table import Table as RichTable

        table = RichTable(title=text(f"{len(summaries)} demos: mlterms demo TERM", "dim"))
        table.add_column("demo", style="bold", overflow="fold")
        table.add_column("what it shows", ratio=1, overflow="fold")
        for name, summary in summaries.items():
            table.add_row(text(name), text(summary))
        out.print(table)
    else:
        for name in summaries:
            out.line(clean(name))


def report_data(r: Report) -> dict:
    """The report as JSON-safe data: every item says its "kind" first; "passed" sums the checks
    (an effect shown as information has "passed": null and counts neither way)."""
    sections = [asdict(s) for s in r.sections]
    for section in sections:
        section["items"] = [{"kind": item.pop("kind"), **item} for item in section["items"]]
    data = {
        "term": r.term,
        "summary": r.summary,
        "seed": r.seed,
        "params": r.params,
        "sections": sections,
        "checks": [
            {"name": c.name, "kind": c.kind, "passed": c.passed, "detail": c.detail} for c in r.checks
        ],
        "exercises": [asdict(e) for e in r.exercises],
        "passed": r.passed,
    }
    return json_safe(data)


# ------------------------------------------------------------------------------- plain text


def plain_report(r: Report, width: int) -> list[str]:
    lines = [*heading(r.term, "=", width), *wrap(r.summary, width)]
    for section in r.sections:
        lines += ["", *heading(section.title, "-", width)]
        for item in section.items:
            lines += ["", *PLAIN[item.kind](item, width)]
    return [*lines, "", *plain_checks(r.checks, width), *wrap(verdict(r), width)]


def heading(title: str, rule: str, width: int) -> list[str]:
    """'-- title -----' to the width; a title too long for one line wraps, the rule after its end."""
    lead = rule * 2 + " "
    lines = title_lines(title, width - len(lead) - 4)
    lines = [lead + lines[0], *(" " * len(lead) + line for line in lines[1:])]
    return [*lines[:-1], lines[-1] + " " + rule * max(3, width - len(lines[-1]) - 1)]


def plain_note(n: Note, width: int) -> list[str]:
    return wrap(n.text, width)


def plain_scalar(s: Scalar, width: int) -> list[str]:
    return wrap(f"{clean(s.name)} = {number(s.value)}", width)


def plain_tensor(t: Tensor, width: int) -> list[str]:
    if not t.shape:
        return wrap(f"{clean(t.name)} = {number(t.values)}  ()", width)
    title = wrap(f"{clean(t.name)}  {shape_text(t.shape)}", width)
    if 0 in t.shape:
        return [*title[:-1], title[-1] + "  (empty)"]
    fmt = formatter(flatten(t.values))
    grids, more = slices(t)
    lines = title
    for name, values in grids:
        lines += ([name] if name else []) + plain_blocks(tensor_grid(values, fmt), width)
    return lines + ([f"… and {more} more slices"] if more else [])


def plain_blocks(grid: Grid, width: int) -> list[str]:
    """A tensor's grid, indented two, in blocks of columns that fit the width."""
    blocks = grid.blocks(width, 2)
    lines = []
    for block in blocks:
        lines += [f"  {block_label(block)}"] if len(blocks) > 1 else []
        for row in grid.rows:
            lines.append(
                "  " + "  ".join(("⋮" if row is None else row[c]).rjust(grid.widths[c]) for c in block)
            )
    return lines


def plain_table(t: Table, width: int) -> list[str]:
    """Header, rule and rows; a table too wide goes in blocks of columns, each led by the row labels."""
    grid = table_grid(t, width + 2, 2)
    keep = 1 if len(grid.widths) > 1 and not grid.numeric[0] else 0
    blocks = grid.blocks(width + 2, 2, keep)
    lines = wrap(t.title, width) if t.title else []
    for i, block in enumerate(blocks):
        lines += ([""] if i else []) + ([block_label(block[keep:])] if len(blocks) > 1 else [])
        lines += table_row(grid, block, grid.header)
        lines.append("  ".join("-" * grid.widths[c] for c in block))
        for row in grid.rows:
            lines += table_row(grid, block, row or [])
    return lines


def table_row(grid: Grid, block: list[int], row: list[str]) -> list[str]:
    """One row of a table as one or more lines: text cells wrap at words within their column."""
    cells = [wrap_cell(row[c], grid.widths[c]) for c in block]
    height = max(map(len, cells), default=1)
    lines = []
    for k in range(height):
        parts = []
        for c, cell in zip(block, cells, strict=True):
            s = cell[k] if k < len(cell) else ""
            parts.append(s.rjust(grid.widths[c]) if grid.numeric[c] else s.ljust(grid.widths[c]))
        lines.append("  ".join(parts))
    return lines


def plain_plot(p: Plot, width: int) -> list[str]:
    if not has_points(p):
        return [*wrap(p.title, width), "(no finite points to plot)"]
    legend = "   ".join(f"{MARKS[i % len(MARKS)]} {clean(name)}" for i, name in enumerate(p.series))
    return [*wrap(p.title, width), *chart(p, width, color=False).splitlines(), *wrap(legend, width)]


def plain_heatmap(h: Heatmap, width: int) -> list[str]:
    """Row labels, then 'shade value' cells, in blocks of columns that fit the width."""
    if not any(h.values):
        return [*wrap(h.title, width), "(empty)"]
    fmt, level = formatter(flatten(h.values)), heat(h.values)
    rows = elide(len(h.values), MAX_ROWS)
    cells = {r: [f"{shade(level(v))} {fmt(v)}" for v in h.values[r]] for r in rows if r is not None}
    n = max(len(row) for row in h.values)
    names = [label(h.row_labels, r) for r in rows]
    heads = [label(h.col_labels, c) for c in range(n)]
    cell_width = max([*(len(c) for row in cells.values() for c in row), *map(len, heads)])
    widths = [max(map(len, names))] + [cell_width] * n
    lines = wrap(h.title, width)
    for block in column_blocks(widths, width + 2, 2, keep=1):
        cols = [c - 1 for c in block[1:]]
        lines += [block_label(cols)] if len(widths) - 1 > len(cols) else []
        lines.append(" " * widths[0] + "  " + "  ".join(heads[c].rjust(cell_width) for c in cols))
        for name, r in zip(names, rows, strict=True):
            row = ["⋮" if r is None else cells[r][c] if c < len(cells[r]) else "" for c in cols]
            lines.append(name.ljust(widths[0]) + "  " + "  ".join(s.rjust(cell_width) for s in row))
    lo, hi = heat_range(h, fmt)
    return [*lines, *wrap(f"shades: '{SHADES[0]}' {lo} … '{SHADES[-1]}' {hi}", width)]


def shade(level: float | None) -> str:
    return "?" if level is None else SHADES[round(level * (len(SHADES) - 1))]


def plain_checks(checks: list[Check], width: int) -> list[str]:
    """One line per check, 'name   detail   ok', when they all fit the width; else each check's
    name wrapped at words, then its detail and status indented below it."""
    if not checks:
        return []
    names = [clean(c.name) for c in checks]
    details = [clean(c.detail) for c in checks]
    w1 = max(map(len, names))
    w2 = max((len(d) for d in details if len(d) <= MAX_DETAIL), default=0)
    w3 = max(len(kind_of(c)) for c in checks)
    rows = [
        f"  {n.ljust(w1)}   {d.ljust(w2)}   {kind_of(c).ljust(w3)}   {status(c)}"
        for n, d, c in zip(names, details, checks, strict=True)
    ]
    if max(len(row.rstrip()) for row in rows) <= width:
        return ["checks", *rows]
    lines = ["checks"]
    for n, d, c in zip(names, details, checks, strict=True):
        lines += textwrap.wrap(n, width, initial_indent="  ", subsequent_indent="  ", break_long_words=False)
        mark = f"{kind_of(c)}   {status(c)}"
        tail = wrap(f"{d}   {mark}" if d else mark, width - 6)
        lines += ["      " + line for line in tail]
    return lines


PLAIN: dict[str, Callable[[Any, int], list[str]]] = {
    "note": plain_note,
    "scalar": plain_scalar,
    "tensor": plain_tensor,
    "table": plain_table,
    "plot": plain_plot,
    "heatmap": plain_heatmap,
}
