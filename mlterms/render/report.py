"""Draw demo Reports as Rich, plain text or JSON, from the same data.

Text output opens each demo with a heading and its summary line, then each section with its
tensors, tables, scalars, notes, plots and heatmaps, then every check with ok or FAIL.
It fits the width: wide tensors are elided with '…', long ones with '⋮'.
Plots are drawn by plotext, imported only when a report has one; plain mode draws them
without colour, heatmaps as numbers with shade characters, and never imports Rich.

JSON keeps every number; NaN and the infinities become the strings "NaN", "Infinity" and
"-Infinity" (spellings that Python's float() and JavaScript's Number() read back), so the output
stays valid JSON.
"""

from __future__ import annotations

import math
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import asdict
from itertools import product
from typing import Any

from mlterms.demos.report import Check, Heatmap, Note, Plot, Report, Scalar, Table, Tensor
from mlterms.render import Output, clean, plural, text

SHADES = " ░▒▓█"  # low to high, for heatmaps in plain text
MARKS = ["•", "+", "x", "o", "*", "#"]  # one per plot series in plain text
PALETTE = [12, 10, 9, 14, 13, 11]  # 256-colour codes, one per plot series in colour
VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
MAX_ROWS = 20  # rows of a tensor or heatmap shown before eliding the middle ones
MAX_SLICES = 6  # 2-D slices of a 3-D+ tensor shown
MAX_DETAIL = 40  # check details up to this long line up; longer ones push their status right
PLOT_HEIGHT = 15
MAX_PLOT_WIDTH = 100
NONFINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}

Formatter = Callable[[Any], str]


# ------------------------------------------------------------------------------ the commands


def report(out: Output, r: Report, first: bool = True) -> None:
    """One demo as Rich renderables or plain lines (JSON goes through json_reports)."""
    if out.rich:
        rich_report(out, r)
    else:
        lines = ([] if first else [""]) + plain_report(r, plain_width())
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
        out.line(clean(line))


def listing(out: Output, summaries: dict[str, str]) -> None:
    """The demo names: one per line when piped, a table with summaries on a terminal, or JSON."""
    if out.mode == "json":
        out.json([{"term": name, "summary": summary} for name, summary in summaries.items()])
    elif out.rich:
        from rich.table import Table as RichTable

        table = RichTable(title=text(f"{len(summaries)} demos: mlterms demo TERM", "dim"))
        table.add_column("demo", style="bold", no_wrap=True)
        table.add_column("what it shows", ratio=1)
        for name, summary in summaries.items():
            table.add_row(text(name), text(summary))
        out.print(table)
    else:
        for name in summaries:
            out.line(clean(name))


# -------------------------------------------------------------------------------------- JSON


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


def json_safe(x: Any) -> Any:
    """Nested data that json.dumps writes as valid JSON: no NaN or inf, no tensors."""
    if isinstance(x, float):
        return x if math.isfinite(x) else NONFINITE[str(float(x))]
    if x is None or isinstance(x, (str, int)):
        return x
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if hasattr(x, "tolist"):
        return json_safe(x.tolist())
    return str(x)


# ---------------------------------------------------------------------------------- numbers


def number(v: Any) -> str:
    """One value on its own: ints as ints (grouped when long), floats to 6 significant digits."""
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, float):
        return unsigned_zero(f"{v:.6g}")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(number(x) for x in v) + "]"
    return clean(str(v))


def formatter(values: list) -> Formatter:
    """One format for a whole tensor or table column, so its numbers line up.

    Floats get the fewest decimals (1 to 4) that show them all, or 3 significant digits in
    scientific notation when the largest is huge or tiny; everything else goes through number().
    """
    finite = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    top = max(finite, default=0.0)
    spec = ".3e" if top >= 1e6 or 0 < top < 1e-3 else f".{decimals(finite)}f"

    def fmt(v: Any) -> str:
        return unsigned_zero(format(v, spec)) if isinstance(v, float) else number(v)

    return fmt


def decimals(values: list[float]) -> int:
    for d in range(1, 4):
        if all(abs(v - round(v, d)) <= 1e-9 * v for v in values):
            return d
    return 4


def unsigned_zero(s: str) -> str:
    """'-0.0000' -> '0.0000': a rounded-away sign is noise."""
    return s[1:] if s.startswith("-") and not s.strip("-0.e+") else s


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def flatten(values: Any) -> list:
    if not isinstance(values, (list, tuple)):
        return [values]
    return [leaf for v in values for leaf in flatten(v)]


# ---------------------------------------------------------------------- grids that fit a width


def elide(n: int, keep: int) -> list[int | None]:
    """Indices 0..n-1, or the first and last few around a None gap when more than keep fit."""
    if n <= keep:
        return list(range(n))
    head = max(1, (keep - 1) // 2)
    tail = max(1, keep - 1 - head)
    return [*range(head), None, *range(n - tail, n)]


def fit(cells: list[list[str]], budget: int, cost: int) -> tuple[list, list]:
    """The rows and columns of a grid of strings to show in budget characters (cost: per-column extra)."""
    width = max((len(c) for row in cells for c in row), default=1)
    cols = elide(max(len(row) for row in cells), max(3, budget // (width + cost)))
    return elide(len(cells), MAX_ROWS), cols


def pick(cells: list[list[str]], rows: list, cols: list) -> list[list[str]]:
    """The chosen cells, with '⋮' for a skipped run of rows and '…' for one of columns."""
    return [["⋮" if r is None else "…" if c is None else cells[r][c] for c in cols] for r in rows]


def labels(names: list[str], picked: list) -> list[str]:
    return ["…" if i is None else clean(names[i]) if i < len(names) else "" for i in picked]


def slices(t: Tensor) -> tuple[list[tuple[str, list[list]]], int]:
    """A tensor as 2-D grids: itself (a 1-D one as one row), or its first slices x[i, j] and how many more."""
    if len(t.shape) == 1:
        return [("", [t.values])], 0
    if len(t.shape) == 2:
        return [("", t.values)], 0
    found = []
    for index in product(*(range(n) for n in t.shape[:-2])):
        grid = t.values
        for i in index:
            grid = grid[i]
        found.append((f"{clean(t.name)}[{', '.join(map(str, index))}]", grid))
    return found[:MAX_SLICES], max(0, len(found) - MAX_SLICES)


def shape_text(shape: list[int]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def table_cells(t: Table) -> tuple[list[list[str]], list[bool]]:
    """The table's cells as strings, formatted per column, and which columns are numeric."""
    n = max([len(t.columns), *(len(row) for row in t.rows)])
    rows = [list(row) + [None] * (n - len(row)) for row in t.rows]
    columns = [[row[j] for row in rows] for j in range(n)]
    numeric = [
        all(is_number(v) or v is None for v in col) and any(is_number(v) for v in col) for col in columns
    ]
    fmts = [formatter(col) for col in columns]
    return [[fmts[j](v) for j, v in enumerate(row)] for row in rows], numeric


def heat(values: list[list[float]]) -> Callable[[Any], float | None]:
    """Where a value sits between the heatmap's smallest and largest, 0..1 (None if not a number)."""
    finite = [v for v in flatten(values) if is_number(v) and math.isfinite(v)]
    lo, hi = min(finite, default=0.0), max(finite, default=0.0)

    def level(v: Any) -> float | None:
        if not is_number(v) or not math.isfinite(v):
            return None
        return (v - lo) / (hi - lo) if hi > lo else 0.5

    return level


def heat_range(h: Heatmap, fmt: Formatter) -> tuple[str, str]:
    finite = [v for v in flatten(h.values) if is_number(v) and math.isfinite(v)]
    return fmt(min(finite, default=0.0)), fmt(max(finite, default=0.0))


# ------------------------------------------------------------------------------------ plots


def chart(p: Plot, width: int, color: bool) -> str:
    """The plot as a plotext line chart: coloured hd markers, or one plain character per series."""
    import plotext

    fig = plotext.figure
    fig.clear.all()
    fig.plot_size(width, PLOT_HEIGHT)
    fig.theme("simple" if color else "colorless")
    fig.legend(False)
    for i, ys in enumerate(p.series.values()):
        points = [(x, y) for x, y in zip(p.x, ys, strict=False) if math.isfinite(x) and math.isfinite(y)]
        if points:
            xs, ys = zip(*points, strict=True)
            fig.draw(fig.signal(list(xs), list(ys), marker=plot_marker(plotext, i, color)).lines())
    return fig.build().string(colorless=not color)


def plot_marker(plotext: Any, i: int, color: bool) -> Any:
    if color:
        return plotext.marker("hd", plotext.pixel(foreground=PALETTE[i % len(PALETTE)]))
    return MARKS[i % len(MARKS)]


def has_points(p: Plot) -> bool:
    return any(
        math.isfinite(x) and math.isfinite(y)
        for ys in p.series.values()
        for x, y in zip(p.x, ys, strict=False)
    )


# ------------------------------------------------------------------------------- plain text


def plain_width() -> int:
    """$COLUMNS, or the terminal's width, or 80 when piped."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def plain_report(r: Report, width: int) -> list[str]:
    lines = [heading(f"== {r.term} ", "=", width), *wrap(r.summary, width)]
    for section in r.sections:
        lines += ["", heading(f"-- {section.title} ", "-", width)]
        for item in section.items:
            lines += ["", *PLAIN[item.kind](item, width)]
    return [*lines, "", *plain_checks(r.checks), verdict(r)]


def heading(title: str, rule: str, width: int) -> str:
    title = clean(title)
    return title + rule * max(3, width - len(title))


def wrap(s: str, width: int) -> list[str]:
    return [
        line
        for para in clean(s).splitlines()
        for line in textwrap.wrap(para, width, break_on_hyphens=False) or [""]
    ]


def plain_note(n: Note, width: int) -> list[str]:
    return wrap(n.text, width)


def plain_scalar(s: Scalar, width: int) -> list[str]:
    return [f"{clean(s.name)} = {number(s.value)}"]


def plain_tensor(t: Tensor, width: int) -> list[str]:
    title = f"{clean(t.name)}  {shape_text(t.shape)}"
    if not t.shape:
        return [f"{clean(t.name)} = {number(t.values)}  ()"]
    if 0 in t.shape:
        return [title + "  (empty)"]
    fmt = formatter(flatten(t.values))
    grids, more = slices(t)
    lines = [title]
    for label, grid in grids:
        cells = [[fmt(v) for v in row] for row in grid]
        lines += ([label] if label else []) + plain_grid(pick(cells, *fit(cells, width - 2, 2)))
    return lines + ([f"… and {more} more slices"] if more else [])


def plain_grid(cells: list[list[str]]) -> list[str]:
    width = max(len(c) for row in cells for c in row)
    return ["  " + "  ".join(c.rjust(width) for c in row) for row in cells]


def plain_table(t: Table, width: int) -> list[str]:
    cells, numeric = table_cells(t)
    header = labels(t.columns, list(range(len(numeric))))
    widths = [max(len(c) for c in col) for col in zip(header, *cells, strict=True)]

    def row_line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric, strict=True)
        )

    rule = "  ".join("-" * w for w in widths)
    return ([clean(t.title)] if t.title else []) + [row_line(header), rule, *map(row_line, cells)]


def plain_plot(p: Plot, width: int) -> list[str]:
    if not has_points(p):
        return [clean(p.title), "(no finite points to plot)"]
    legend = "   ".join(f"{MARKS[i % len(MARKS)]} {clean(name)}" for i, name in enumerate(p.series))
    return [clean(p.title), *chart(p, min(width, MAX_PLOT_WIDTH), color=False).splitlines(), legend]


def plain_heatmap(h: Heatmap, width: int) -> list[str]:
    if not any(h.values):
        return [clean(h.title), "(empty)"]
    fmt, level = formatter(flatten(h.values)), heat(h.values)
    cells = [[f"{shade(level(v))} {fmt(v)}" for v in row] for row in h.values]
    row_width = max((len(clean(name)) for name in h.row_labels), default=0)
    rows, cols = fit(cells, width - row_width - 2, 2)
    grid = [labels(h.col_labels, cols), *pick(cells, rows, cols)]
    col_width = max(len(c) for row in grid for c in row)
    names = ["", *labels(h.row_labels, rows)]
    lo, hi = heat_range(h, fmt)
    lines = [
        f"{name.ljust(row_width)}  " + "  ".join(c.rjust(col_width) for c in row)
        for name, row in zip(names, grid, strict=True)
    ]
    return [clean(h.title), *lines, f"shades: '{SHADES[0]}' {lo} … '{SHADES[-1]}' {hi}"]


def shade(level: float | None) -> str:
    return "?" if level is None else SHADES[round(level * (len(SHADES) - 1))]


def plain_checks(checks: list[Check]) -> list[str]:
    """One line per check, 'name   detail   ok'; a very long detail just pushes its status right."""
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
    return ["checks", *rows]


def kind_of(c: Check) -> str:
    return c.kind or "check"


def status(c: Check) -> str:
    """ok, FAIL, or info for an effect shown outside the settings where it is asserted."""
    return "info" if c.passed is None else "ok" if c.passed else "FAIL"


STATUS_STYLE = {"ok": "bold green", "FAIL": "bold red", "info": "bold yellow"}


def verdict(r: Report) -> str:
    failed = sum(c.passed is False for c in r.checks)
    if not r.checks:
        return f"{r.term}: no checks"
    if failed:
        return f"{r.term}: {failed} of {len(r.checks)} checks FAILED"
    return f"{r.term}: {plural(len(r.checks), 'check')}, all ok"


PLAIN = {
    "note": plain_note,
    "scalar": plain_scalar,
    "tensor": plain_tensor,
    "table": plain_table,
    "plot": plain_plot,
    "heatmap": plain_heatmap,
}


# ------------------------------------------------------------------------------------- Rich


def rich_report(out: Output, r: Report) -> None:
    for part in rich_parts(r, out.console.width):
        out.print(part)  # one at a time: print(*parts) would join texts on one line


def rich_parts(r: Report, width: int) -> list:
    from rich.rule import Rule

    parts = [Rule(text(r.term, "bold"), style="magenta", characters="━"), text(r.summary, "italic")]
    for section in r.sections:
        parts += [text(""), Rule(text(section.title, "bold cyan"), style="cyan", align="left")]
        for item in section.items:
            parts += [text(""), *RICH[item.kind](item, width)]
    parts += [text(""), text("checks", "bold"), rich_checks(r.checks)] if r.checks else []
    return [*parts, text(verdict(r), "bold green" if r.passed else "bold red"), text("")]


def rich_note(n: Note, width: int) -> list:
    return [text(n.text, "dim")]


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
    for label, grid in grids:
        cells = [[fmt(v) for v in row] for row in grid]
        parts += [text(label)] if label else []
        parts.append(number_table(pick(cells, *fit(cells, width - 1, 3))))
    return parts + ([text(f"… and {more} more slices", "dim")] if more else [])


def number_table(cells: list[list[str]]):
    from rich.box import Box
    from rich.table import Table as RichTable

    frame = Box("╭──╮\n│  │\n│  │\n│  │\n│  │\n│  │\n│  │\n╰──╯\n")  # no lines between columns
    table = RichTable(show_header=False, box=frame)
    for _ in cells[0]:
        table.add_column(justify="right", no_wrap=True)
    for row in cells:
        table.add_row(*row)
    return table


def rich_table(t: Table, width: int) -> list:
    from rich import box
    from rich.table import Table as RichTable

    cells, numeric = table_cells(t)
    table = RichTable(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold")
    for name, num in zip(labels(t.columns, list(range(len(numeric)))), numeric, strict=True):
        table.add_column(text(name), justify="right" if num else "left")
    for row in cells:
        table.add_row(*(text(c) for c in row))
    return ([text(t.title, "bold")] if t.title else []) + [table]


def rich_plot(p: Plot, width: int) -> list:
    from rich.text import Text

    if not has_points(p):
        return [text(p.title, "bold"), text("(no finite points to plot)", "dim")]
    legend = text("")
    for i, name in enumerate(p.series):
        legend += text("━━ ", f"color({PALETTE[i % len(PALETTE)]})") + text(f"{name}   ")
    drawing = Text.from_ansi(chart(p, min(width, MAX_PLOT_WIDTH), color=True).rstrip("\n"), no_wrap=True)
    return [text(p.title, "bold"), drawing, legend]


def rich_heatmap(h: Heatmap, width: int) -> list:
    from rich.table import Table as RichTable

    if not any(h.values):
        return [text(h.title, "bold"), text("(empty)", "dim")]
    fmt, level = formatter(flatten(h.values)), heat(h.values)
    cells = [[f" {fmt(v)} " for v in row] for row in h.values]
    row_width = max((len(clean(name)) for name in h.row_labels), default=0)
    rows, cols = fit(cells, width - row_width - 1, 0)
    table = RichTable(box=None, padding=0)
    table.add_column("", style="bold", no_wrap=True)
    for name in labels(h.col_labels, cols):
        table.add_column(text(name, "bold"), justify="right", no_wrap=True)
    for r in rows:
        name = "⋮" if r is None else clean(h.row_labels[r]) if r < len(h.row_labels) else ""
        row = [
            "⋮" if r is None else "…" if c is None else heat_cell(cells[r][c], level(h.values[r][c]))
            for c in cols
        ]
        table.add_row(text(name + " "), *(text(c) if isinstance(c, str) else c for c in row))
    return [text(h.title, "bold"), table, heat_legend(*heat_range(h, fmt))]


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


def rich_checks(checks: list[Check]):
    from rich import box
    from rich.table import Table as RichTable

    table = RichTable(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("check", ratio=3)
    table.add_column("detail", ratio=2, style="dim")
    table.add_column("kind", no_wrap=True, style="cyan")
    table.add_column("", no_wrap=True)
    for c in checks:
        table.add_row(
            text(c.name), text(c.detail), text(kind_of(c)), text(status(c), STATUS_STYLE[status(c)])
        )
    return table


RICH = {
    "note": rich_note,
    "scalar": rich_scalar,
    "tensor": rich_tensor,
    "table": rich_table,
    "plot": rich_plot,
    "heatmap": rich_heatmap,
}
