"""Grids of text that fit a width without losing a number, shared by plain and Rich reports.

A grid wider than the width is split into blocks of whole columns, each labelled with its
column indices (as numpy and PyTorch print wide arrays); its row labels start every block.
Numbers are never cut or wrapped; text cells and headers wrap at words. Only very long
tensors lose rows (the middle ones, shown as '⋮'), whatever the width.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from typing import Any

from mlterms.demos.report import Heatmap, Table, Tensor
from mlterms.render import clean
from mlterms.render.numbers import flatten, formatter, is_number

MAX_ROWS = 20  # rows of a tensor or heatmap shown before eliding the middle ones
MAX_SLICES = 6  # 2-D slices of a 3-D+ tensor shown
MIN_TEXT = 12  # a text column may wrap down to this width (or its longest word)


def elide(n: int, keep: int) -> list[int | None]:
    """Indices 0..n-1, or the first and last few around a None gap when more than keep fit."""
    if n <= keep:
        return list(range(n))
    head = max(1, (keep - 1) // 2)
    tail = max(1, keep - 1 - head)
    return [*range(head), None, *range(n - tail, n)]


def column_blocks(widths: list[int], budget: int, gap: int, keep: int = 0) -> list[list[int]]:
    """Column indices in runs that fit in budget characters, a column costing its width plus gap.

    The first `keep` columns (row labels) start every run. A column wider than the budget on its
    own still gets a run: it overflows rather than lose a digit.
    """
    fixed = sum(w + gap for w in widths[:keep])
    runs: list[list[int]] = []
    current: list[int] = []
    used = fixed
    for j in range(keep, len(widths)):
        if current and used + widths[j] + gap > budget:
            runs.append(current)
            current, used = [], fixed
        current.append(j)
        used += widths[j] + gap
    if current or not runs:
        runs.append(current)
    return [[*range(keep), *run] for run in runs]


def block_label(columns: list[int]) -> str:
    """'columns 3-5' or 'column 6': the indices (from 0) of the columns a block shows."""
    if not columns:
        return ""
    return f"column {columns[0]}" if len(columns) == 1 else f"columns {columns[0]}-{columns[-1]}"


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


@dataclass
class Grid:
    """Cells as strings (None for a row skipped), with a width and an alignment per column."""

    header: list[str]
    rows: list[list[str] | None]
    widths: list[int]
    numeric: list[bool]

    def blocks(self, budget: int, gap: int, keep: int = 0) -> list[list[int]]:
        return column_blocks(self.widths, budget, gap, keep)


def tensor_grid(values: list[list], fmt: Callable[[Any], str]) -> Grid:
    """A 2-D slice of a tensor: every cell the width of the widest, so blocks line up too."""
    picked = elide(len(values), MAX_ROWS)
    rows = [None if r is None else [fmt(v) for v in values[r]] for r in picked]
    width = max((len(c) for row in rows if row for c in row), default=1)
    n = max(len(row) for row in values)
    return Grid([], rows, [width] * n, [True] * n)


def table_grid(t: Table, budget: int, gap: int) -> Grid:
    """A table's cells formatted per column, and widths that fit the budget if they can.

    Numbers and words are never broken. A text column wraps only where it would not fit in a block
    beside the row labels (a column costs its width plus gap); headers wrap at words, then widen
    again while the whole table fits.
    """
    n = max([len(t.columns), *(len(row) for row in t.rows)])
    rows = [list(row) + [None] * (n - len(row)) for row in t.rows]
    columns = [[row[j] for row in rows] for j in range(n)]
    numeric = [all(is_number(v) or v is None for v in c) and any(is_number(v) for v in c) for c in columns]
    fmts = [formatter(c) for c in columns]
    cells = [[fmts[j](v) for j, v in enumerate(row)] for row in rows]
    header = [clean(t.columns[j]) if j < len(t.columns) else "" for j in range(n)]
    natural = [max(len(s) for s in [header[j], *(row[j] for row in cells)]) for j in range(n)]
    widths = [text_width([header[j]], [row[j] for row in cells], numeric[j], budget // 2) for j in range(n)]
    if n > 1 and not numeric[0]:  # the row labels lead every block: leave room for the widest column
        room = budget - 2 * gap - max(widths[1:])
        widths[0] = text_width([header[0]], [row[0] for row in cells], False, min(budget // 2, room))
    beside = widths[0] + gap if n > 1 and not numeric[0] else 0
    for j in range(1, n):
        widths[j] = text_width([header[j]], [row[j] for row in cells], numeric[j], budget - beside - gap)
    for j in [*range(1, n), 0][:n]:  # the row labels widen last
        spare = budget - sum(w + gap for w in widths)
        widths[j] = max(widths[j], min(natural[j], widths[j] + spare))
    return Grid(header, list(cells), widths, numeric)


def text_width(header: list[str], cells: list[str], numeric: bool, cap: int) -> int:
    """A column's width: its numbers and words whole, its text wrapped only beyond cap; a header
    may wrap down to the width of the cells."""
    words = max(map(longest_word, header + cells), default=0)
    if numeric:
        return max(max(map(len, cells), default=0), words)
    return max(min(max(map(len, cells), default=0), cap), words)


def longest_word(s: str) -> int:
    return max(map(len, s.split()), default=0)


def wrap_cell(s: str, width: int) -> list[str]:
    """A cell in lines of at most width, broken only between words."""
    if len(s) <= width:
        return [s]
    return textwrap.wrap(s, width, break_long_words=False, break_on_hyphens=False) or [""]


def heat(values: list[list[float]]) -> Callable[[Any], float | None]:
    """Where a value sits between the heatmap's smallest and largest, 0..1 (None if not a number)."""
    finite = [v for v in flatten(values) if is_number(v) and math.isfinite(v)]
    lo, hi = min(finite, default=0.0), max(finite, default=0.0)

    def level(v: Any) -> float | None:
        if not is_number(v) or not math.isfinite(v):
            return None
        return (v - lo) / (hi - lo) if hi > lo else 0.5

    return level


def heat_range(h: Heatmap, fmt: Callable[[Any], str]) -> tuple[str, str]:
    finite = [v for v in flatten(h.values) if is_number(v) and math.isfinite(v)]
    return fmt(min(finite, default=0.0)), fmt(max(finite, default=0.0))


def label(names: list[str], i: int | None) -> str:
    return "⋮" if i is None else clean(names[i]) if i < len(names) else ""


def title_lines(title: str, width: int) -> list[str]:
    """A heading's words in lines that leave room for a rule beside the last one."""
    return textwrap.wrap(clean(title), max(1, width), break_long_words=False) or [""]
