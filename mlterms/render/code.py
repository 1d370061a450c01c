"""Draw the code that computed a demo (`demo NAME --source`): highlighted by Rich on a terminal,
plain text when piped, or JSON. Each piece is headed by its file and first line."""

from __future__ import annotations

from mlterms.demos.source import Piece
from mlterms.render import Output, text


def piece_data(p: Piece) -> dict:
    return {"path": p.path, "line": p.line, "code": p.code}


def code(out: Output, found: dict[str, list[Piece]], many: bool) -> None:
    """One object {"term", "pieces"} per demo (an array of them when several were named)."""
    if out.is_json:
        data = [{"term": name, "pieces": [piece_data(p) for p in ps]} for name, ps in found.items()]
        out.json(data if many else data[0])
        return
    for name, pieces in found.items():
        if out.rich:
            rich_code(out, name, pieces)
        else:
            for p in pieces:  # code is printed as it is: it is ours, not glossary text
                out.line(f"# {p.path}:{p.line}\n{p.code.rstrip()}\n")


def rich_code(out: Output, name: str, pieces: list[Piece]) -> None:
    from rich.rule import Rule
    from rich.syntax import Syntax

    out.print(Rule(text(f"the code of {name}", "bold"), style="magenta", characters="━"))
    for p in pieces:
        out.print(text(f"{p.path}:{p.line}", "bold cyan"))
        out.print(Syntax(p.code.rstrip(), "python", line_numbers=True, start_line=p.line, theme="monokai"))
        out.print(text(""))
