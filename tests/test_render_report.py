"""Demo reports at fixed widths: every number stays, nothing is wider than the width."""

from __future__ import annotations

import json
import re

import pytest

from mlterms.cli import app
from mlterms.demos.report import Report, Table
from mlterms.render import Mode, Output
from mlterms.render import report as draw
from mlterms.render.grids import column_blocks, table_grid

URL = "https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html#conv2d"
NUMBER = re.compile(r"-?\d[\d,]*\.?\d*(?:e[-+]\d+)?")


def visible(out: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", re.sub(r"\x1b]8;[^\x1b]*\x1b\\", "", out))


def wide_report() -> Report:
    r = Report("wide", "A tensor, a table and a heatmap, all wider than a narrow terminal.")
    s = r.section("a section whose title is much too long to fit on one line of a narrow terminal")
    s.note(f"Read more at {URL} (it is longer than forty columns).")
    s.tensor("w", [[round(i * 100 + j + 0.25, 2) for j in range(24)] for i in range(3)])
    prices = [[f"item {i}", *(1000 * i + 7 * j + 0.5 for j in range(9))] for i in range(4)]
    s.table(["name", *(f"price {j}" for j in range(9))], prices)
    s.heatmap(
        "weights",
        [[i + j / 10 for j in range(12)] for i in range(3)],
        ["q0", "q1", "q2"],
        list("abcdefghijkl"),
    )
    r.check(
        "a check with a rather long name that needs wrapping at forty columns",
        True,
        "max|diff| 1.0e-16",
        kind="reference",
    )
    return r


def expected_numbers(r: Report) -> list[float]:
    items = {item.kind: item for item in r.sections[0].items}
    return [
        *(v for row in items["tensor"].values for v in row),
        *(v for row in items["table"].rows for v in row[1:]),
        *(v for row in items["heatmap"].values for v in row),
    ]


def numbers_in(out: str) -> list[float]:
    return [float(m.replace(",", "")) for m in NUMBER.findall(out)]


def every_number_shown(r: Report, out: str) -> bool:
    shown = numbers_in(out)
    return all(any(abs(s - v) <= 1e-3 * abs(v) + 5e-4 for s in shown) for v in expected_numbers(r))


@pytest.mark.parametrize("mode", [Mode.PLAIN, Mode.RICH])
@pytest.mark.parametrize("width", [40, 80, 200])
def test_every_number_of_a_wide_report_stays_within_the_width(capsys, mode, width):
    r = wide_report()
    draw.report(Output(mode, width=width), r)
    out = visible(capsys.readouterr().out)
    assert any(URL in line for line in out.splitlines())  # whole, on one line
    assert max(len(line) for line in out.splitlines() if URL not in line) <= min(width, 100)
    assert every_number_shown(r, out.replace(URL, ""))
    assert not any("…" in line or "⋮" in line for line in out.splitlines() if not line.startswith("shades:"))
    if width == 40:
        assert "columns 0-" in out and "column" in out.split("columns 0-")[1]  # several blocks
        title = r.sections[0].title
        assert title in " ".join(w for w in out.split() if w.strip("─-")), "the title wrapped, whole"


def test_blocks_hold_every_column_once_and_fit():
    widths = [5, 9, 3, 12, 7, 7, 30, 2]
    blocks = column_blocks(widths, 30, 2, keep=1)
    assert [c for b in blocks for c in b[1:]] == list(range(1, len(widths)))
    assert all(b[0] == 0 for b in blocks)
    for b in blocks:  # a block overflows only for a column too wide on its own
        assert sum(widths[c] + 2 for c in b) <= 30 or len(b) == 2


def test_a_table_keeps_numbers_whole_and_wraps_only_text():
    t = Table(["layer", "weights"], [["Linear(in_features=4, out_features=8, bias=True)", 40]])
    grid = table_grid(t, 40, 2)
    assert grid.widths[1] >= len("weights") and grid.widths[0] < 48
    assert grid.widths[0] >= len("out_features=8,")  # the longest word is never broken


@pytest.mark.parametrize("columns", ["40", "80"])
def test_a_piped_demo_honours_columns_and_keeps_every_number(runner, columns):
    result = runner.invoke(app, ["demo", "convolution"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= int(columns)
    data = json.loads(runner.invoke(app, ["demo", "convolution", "--json"]).stdout)
    shown = numbers_in(result.stdout)
    tensors = [i for s in data["sections"] for i in s["items"] if i["kind"] == "tensor"]
    values = [v for t in tensors for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", json.dumps(t["values"]))]
    assert values and all(
        any(abs(s - float(v)) <= 1e-3 * abs(float(v)) + 5e-4 for s in shown) for v in values
    )


def test_columns_unset_means_80(runner, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    out = runner.invoke(app, ["demo", "convolution"]).stdout
    assert max(map(len, out.splitlines())) <= 80 and out.startswith("== convolution " + "=" * 10)
    assert len(out.splitlines()[0]) == 80


def test_a_demo_in_a_real_40_column_terminal_keeps_every_number(runner):
    from .test_render_entries import run_in_terminal

    out = run_in_terminal(["demo", "convolution"], 40)
    assert "╭" in out and max(map(len, out.splitlines())) <= 40
    data = json.loads(runner.invoke(app, ["demo", "convolution", "--json"]).stdout)
    shown = numbers_in(out)
    tensors = [i for s in data["sections"] for i in s["items"] if i["kind"] == "tensor"]
    values = [v for t in tensors for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", json.dumps(t["values"]))]
    assert all(any(abs(s - float(v)) <= 1e-3 * abs(float(v)) + 5e-4 for s in shown) for v in values)


def test_a_scatter_plot_marks_its_points_and_draws_no_lines():
    from mlterms.demos.report import Plot
    from mlterms.render.plots import chart

    s = Report("scatter").section("points")
    s.scatter("two groups", a=([0.0, 10.0], [0.0, 10.0]), b=([10.0], [0.0]))
    p = s.items[0]
    assert isinstance(p, Plot) and p.points and p.x == [0.0, 10.0, 10.0]
    assert p.series["a"][:2] == [0.0, 10.0] and p.series["b"][2] == 0.0
    assert all(v != v for v in p.series["a"][2:] + p.series["b"][:2])  # NaN where not its own
    drawing = chart(p, 40, color=False)
    assert drawing.count("•") == 2 and drawing.count("+") == 1  # one mark per point, no line between
    as_lines = chart(Plot("lines", p.x, {"a": [0.0, 10.0, float("nan")]}), 40, color=False)
    assert as_lines.count("•") > 2
