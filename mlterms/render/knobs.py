"""Draw a demo's knobs (`demo NAME --params`): a table on a terminal, one line per knob piped, or JSON."""

from __future__ import annotations

import shlex

from mlterms.demos.registry import Param
from mlterms.render import Output, clean, text
from mlterms.render.numbers import number


def param_data(p: Param) -> dict:
    """One knob as JSON: min/max are null for a choice, choices empty for a number."""
    return {
        "name": p.name,
        "type": p.type,
        "default": p.default,
        "min": p.min,
        "max": p.max,
        "choices": list(p.choices),
        "help": p.help,
    }


def valid(p: Param) -> str:
    """'5 to 200', or 'mean, sum' for a choice."""
    if p.type == "choice":
        return ", ".join(p.choices)
    return f"{number(p.min)} to {number(p.max)}"


def cells(p: Param) -> list[str]:
    return [p.name, p.type, number(p.default), valid(p), p.help]


def knobs(out: Output, found: dict[str, tuple[Param, ...]], many: bool) -> None:
    """The knobs of each demo: for one demo a list of knobs, for several one object per demo."""
    if out.is_json:
        data = [{"term": name, "params": [param_data(p) for p in ps]} for name, ps in found.items()]
        out.json(data if many else data[0]["params"])
    elif out.rich:
        for name, params in found.items():
            rich_knobs(out, name, params)
    else:
        rows = [([name] if many else []) + cells(p) for name, ps in found.items() for p in ps]
        widths = [max(len(clean(row[j])) for row in rows) for j in range(len(rows[0]) - 1)] if rows else []
        for row in rows:
            line = "  ".join(clean(c).ljust(w) for c, w in zip(row, widths, strict=False))
            out.line(f"{line}  {clean(row[-1])}")


def rich_knobs(out: Output, name: str, params: tuple[Param, ...]) -> None:
    from rich import box
    from rich.table import Table

    if not params:
        out.print(text(f"{name}: no knobs", "dim"))
        return
    table = Table(
        title=text(f"{name}: mlterms demo {shlex.quote(name)} --set NAME=VALUE", "dim"), box=box.SIMPLE_HEAD
    )
    for column, style in [
        ("knob", "bold"),
        ("type", "cyan"),
        ("default", ""),
        ("valid", ""),
        ("help", "dim"),
    ]:
        table.add_column(column, style=style, no_wrap=column != "help", ratio=1 if column == "help" else None)
    for p in params:
        table.add_row(*(text(c) for c in cells(p)))
    out.print(table)
