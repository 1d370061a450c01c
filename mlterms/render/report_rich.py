"""Draw a demo Report with Rich: rules for sections, framed number grids, coloured heatmaps.

The same rules as plain text (render/report.py): nothing is cut, a grid too wide is split into
blocks of columns with their indices, and a heading too long for one line wraps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from mlterms.demos.report import Check, Heatmap, Note, Plot, Report, Scalar, Table, Tensor
from mlterms.render import Output, text
from mlterms.render.checks import STATUS_STYLE, kind_of, status, verdict, wrap
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
)
from mlterms.render.numbers import flatten, formatter, number
from mlterms.render.plots import PALETTE, chart, has_points

VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
NARROW = 60  # narrower than this, checks are listed one under another, not in a table
RULE_ROOM = 6  # a rule's title needs this much beside it: the ends of the rule and the spaces


def rich_report(out: Output, r: Report) -> None:
    for part in rich_parts(r, out.width):
        out.print(part, crop=False)  # one at a time: print(*parts) would join texts on one line


def rich_parts(r: Report, width: int) -> list:
    parts = [*rule(r.term, "bold", "magenta", width, "center", "━"), prose(r.summary, "italic", width)]
    for section in r.sections:
        parts += [text(""), *rule(section.title, "bold cyan", "cyan", width, "left", "─")]
        for item in section.items:
            parts += [text(""), *RICH[item.kind](item, width)]
    parts += [text(""), text("checks", "bold"), *rich_checks(r.checks, width)] if r.checks else []
    return [*parts, text(verdict(r), "bold green" if r.passed else "bold red"), text("")]


def rule(
    title: str,
    style: str,
    colour: str,
    width: int,
    align: Literal["left", "center", "right"],
    characters: str,
) -> list:
    """A Rich Rule with the title in it; a title too long for it wraps above, the rest in the rule."""
    from rich.rule import Rule

    lines = title_lines(title, width - RULE_ROOM)
    above = [text(line, style) for line in lines[:-1]]
    return [*above, Rule(text(lines[-1], style), style=colour, align=align, characters=characters)]


def rich_note(n: Note, width: int) -> list:
    return [prose(n.text, "dim", width)]


def prose(s: str, style: str, width: int):
    """Text wrapped at words beforehand, so that a word wider than the width (a URL) is never
    folded, as Rich would. (In a Group, the Text keeps its overflow, which print() would drop.)"""
    from rich.console import Group

    lines = text("\n".join(wrap(s, width)), style)
    lines.overflow = "ignore"
    return Group(lines)


def rich_scalar(s: Scalar, width: int) -> list:
    return [text(s.name, "bold") + text(" = ") + text(number(s.value), "cyan")]


def rich_tensor(t: Tensor, width: int) -> list:
    title = text(t.name, "bold") + text(f"  {shape_text(t.shape)}", "dim")
    if not t.shape:
        return [text(t.name, "bold") + text(" = ") + text(number(t.values), "cyan") + text("  ()", "dim")]
    if 0 in t.shape:
        return [title + text("  (empty)", "dim")]
    fmt = formatter(flatten(t.values))
    grids, more = slices(t)
    parts = [title]  # above the table, not its title, which Rich would wrap to the table's width
    for name, values in grids:
        grid = tensor_grid(values, fmt)
        parts += [text(name)] if name else []
        blocks = grid.blocks(width - 1, 3)  # a frame of 2, and 3 between columns
        for block in blocks:
            parts += [text(block_label(block), "dim")] if len(blocks) > 1 else []
            parts.append(number_table(grid, block))
    return parts + ([text(f"… and {more} more slices", "dim")] if more else [])


def number_table(grid: Grid, block: list[int]):
    from rich.box import Box
    from rich.table import Table as RichTable

    frame = Box("╭──╮\n│  │\n│  │\n│  │\n│  │\n│  │\n│  │\n╰──╯\n")  # no lines between columns
    table = RichTable(show_header=False, box=frame)
    for c in block:
        table.add_column(justify="right", no_wrap=True, min_width=grid.widths[c])
    for row in grid.rows:
        table.add_row(*("⋮" if row is None else row[c] for c in block))
    return table


def rich_table(t: Table, width: int) -> list:
    from rich import box
    from rich.table import Table as RichTable

    grid = table_grid(t, width + 1, 3)
    keep = 1 if len(grid.widths) > 1 and not grid.numeric[0] else 0
    blocks = grid.blocks(width + 1, 3, keep)  # one space each side of a cell, one between cells
    parts = [text(t.title, "bold")] if t.title else []
    for block in blocks:
        parts += [text(block_label(block[keep:]), "dim")] if len(blocks) > 1 else []
        table = RichTable(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold")
        for c in block:
            num = grid.numeric[c]
            table.add_column(
                text(grid.header[c]),
                justify="right" if num else "left",
                width=grid.widths[c],
                overflow="fold",
            )
        for row in grid.rows:
            table.add_row(*(text(row[c]) for c in block) if row else ())
        parts.append(table)
    return parts


def rich_plot(p: Plot, width: int) -> list:
    from rich.text import Text

    if not has_points(p):
        return [text(p.title, "bold"), text("(no finite points to plot)", "dim")]
    legend = text("")
    for i, name in enumerate(p.series):
        mark = "• " if p.points else "━━ "
        legend += text(mark, f"color({PALETTE[i % len(PALETTE)]})") + text(f"{name}   ")
    drawing = Text.from_ansi(chart(p, width, color=True).rstrip("\n"), no_wrap=True)
    return [text(p.title, "bold"), drawing, legend]


def rich_heatmap(h: Heatmap, width: int) -> list:
    from rich.table import Table as RichTable

    if not any(h.values):
        return [text(h.title, "bold"), text("(empty)", "dim")]
    fmt, level = formatter(flatten(h.values)), heat(h.values)
    rows = elide(len(h.values), MAX_ROWS)
    n = max(len(row) for row in h.values)
    names = [label(h.row_labels, r) + " " for r in rows]
    heads = [label(h.col_labels, c) for c in range(n)]
    cells = {r: [f" {fmt(v)} " for v in h.values[r]] for r in rows if r is not None}
    cell_width = max([*(len(c) for row in cells.values() for c in row), *map(len, heads)])
    parts = [text(h.title, "bold")]
    blocks = column_blocks([max(map(len, names))] + [cell_width] * n, width, 0, keep=1)
    for block in blocks:
        cols = [c - 1 for c in block[1:]]
        parts += [text(block_label(cols), "dim")] if len(blocks) > 1 else []
        table = RichTable(box=None, padding=0)
        table.add_column("", style="bold", no_wrap=True)
        for c in cols:
            table.add_column(text(heads[c], "bold"), justify="right", no_wrap=True, min_width=cell_width)
        for name, r in zip(names, rows, strict=True):
            row = [text("⋮") if r is None else heat_cell(cells[r][c], level(h.values[r][c])) for c in cols]
            table.add_row(text(name), *row)
        parts.append(table)
    return [*parts, heat_legend(*heat_range(h, fmt))]


def heat_cell(label: str, level: float | None):
    if level is None:
        return text(label, "bold red")
    return text(label, f"{'black' if level > 0.55 else 'white'} on {rgb(level)}")


def heat_legend(lo: str, hi: str):
    bar = text("")
    for i in range(12):
        bar += text(" ", f"on {rgb(i / 11)}")
    return text(f"{lo} ", "dim") + bar + text(f" {hi}", "dim")


def rgb(level: float) -> str:
    """A colour on the viridis scale (dark purple to yellow) as '#rrggbb'."""
    pos = min(max(level, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(pos), len(VIRIDIS) - 2)
    a, b, t = VIRIDIS[i], VIRIDIS[i + 1], pos - i
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def rich_checks(checks: list[Check], width: int) -> list:
    """Name, detail and status in a table; on a narrow terminal each name, then its detail and
    status below it. Names and details wrap (at words where they can), never cut."""
    from rich import box
    from rich.padding import Padding
    from rich.table import Table as RichTable

    marks = [text(kind_of(c), "cyan") + text("  ") + text(status(c), STATUS_STYLE[status(c)]) for c in checks]
    if width < NARROW:
        return [
            part
            for c, mark in zip(checks, marks, strict=True)
            for part in (
                text(c.name),
                Padding(text(c.detail + "   " if c.detail else "", "dim") + mark, (0, 0, 0, 4)),
            )
        ]
    table = RichTable(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("check", ratio=3, overflow="fold")
    table.add_column("detail", ratio=2, style="dim", overflow="fold")
    table.add_column("kind", no_wrap=True, style="cyan")
    table.add_column("", no_wrap=True)
    for c in checks:
        table.add_row(
            text(c.name), text(c.detail), text(kind_of(c)), text(status(c), STATUS_STYLE[status(c)])
        )
    return [table]


RICH: dict[str, Callable[[Any, int], list]] = {
    "note": rich_note,
    "scalar": rich_scalar,
    "tensor": rich_tensor,
    "table": rich_table,
    "plot": rich_plot,
    "heatmap": rich_heatmap,
}
