"""The demo command and its renderer: listing, plain / Rich / JSON reports, exit codes, NaN, width."""

from __future__ import annotations

import json
import math

import pytest

from mlterms.cli import app
from mlterms.demos import registry
from mlterms.demos.report import Report, Tensor
from mlterms.render import report as draw

from .conftest import run_probed


def strict_json(s: str):
    """json.loads that refuses the NaN / Infinity tokens Python would otherwise accept."""
    return json.loads(s, parse_constant=lambda token: pytest.fail(f"invalid JSON token {token}"))


def some_demo() -> str:
    names = registry.names()
    return "convolution" if "convolution" in names else names[0]


# ------------------------------------------------------------------ demos made for these tests


def failing(r: Report) -> None:
    r.section("numbers").tensor("x", [[1.0, 2.0], [3.0, 4.0]])
    r.check("one equals one", 1 == 1, "1 == 1", kind="property")
    r.check("one equals two", 1 == 2, "1 != 2", kind="property")


def not_finite(r: Report) -> None:
    s = r.section("not finite")
    s.tensor("x", [[math.nan, math.inf], [-math.inf, 1.5]])
    s.scalar("loss", math.nan)
    s.table(["value"], [[math.inf]])
    s.plot("curve", [0.0, 1.0, 2.0, 3.0], y=[0.0, math.nan, 1.0, 0.5])
    s.heatmap("weights", [[0.1, math.nan], [0.5, 0.9]], ["q0", "q1"], ["k0", "k1"])
    r.check("runs", True, kind="property")


def pictures(r: Report) -> None:
    s = r.section("pictures")
    s.note("A [bold]note[/bold] with markup-looking text, printed literally.")
    s.tensor("cube", [[[i * 4 + j * 2 + k for k in range(2)] for j in range(2)] for i in range(3)])
    s.tensor("wide", [[float(i * 40 + j) / 7 for j in range(40)] for i in range(30)])
    s.tensor("zero-d", 2.5)
    s.plot("lines", [0.0, 1.0, 2.0], up=[0.0, 1.0, 2.0], down=[2.0, 1.0, 0.0])
    s.heatmap("weights", [[0.1, 0.9], [0.5, 0.3]], ["q0", "q1"], ["k0", "k1"])
    r.check("pictures drawn", True, "yes", kind="property")


def broken(r: Report) -> None:
    raise RuntimeError("this demo has a bug")


@pytest.fixture
def fake_demos(monkeypatch):
    """Register the demos above on a copy of the registry, thrown away after the test."""
    for name in registry.names():  # import the real demos first, so they stay in the real registry
        registry.get(name)
    monkeypatch.setattr(registry, "_DEMOS", dict(registry._DEMOS))
    registry.register("always fails", failing, "A demo whose second check fails.")
    registry.register("not finite", not_finite, "NaN and infinities everywhere.")
    registry.register("pictures", pictures, "Every kind of item.")
    registry.register("broken", broken, "Raises.")


# ------------------------------------------------------------------------------------ --list


def test_list_piped_is_one_name_per_line(runner):
    result = runner.invoke(app, ["demo", "--list"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == registry.names()


def test_list_json_and_rich(runner):
    data = strict_json(runner.invoke(app, ["demo", "--list", "--json"]).stdout)
    assert [d["term"] for d in data] == registry.names()
    assert all(d["summary"] for d in data)
    rich = runner.invoke(app, ["--color", "always", "demo", "--list"])
    assert rich.exit_code == 0 and "\x1b[" in rich.stdout


@pytest.mark.parametrize("args", [["demo", "--list"], ["demo", "--help"], ["demo", "--list", "--json"]])
def test_list_and_help_do_not_import_torch(args):
    loaded, done = run_probed(*args)
    assert "torch" not in loaded, done.stderr


def test_plain_demo_does_not_import_rich():
    loaded, done = run_probed("demo", some_demo())
    assert "torch" in loaded and "rich" not in loaded, done.stderr


def test_completion_offers_demo_names_without_torch():
    env = {"_MLTERMS_COMPLETE": "complete_bash", "COMP_WORDS": "mlterms demo conv", "COMP_CWORD": "2"}
    loaded, done = run_probed(env=env)
    offered = done.stdout.split("\n")
    assert [n for n in registry.names() if n.startswith("conv")] == [n for n in offered if n]
    assert "torch" not in loaded


# ------------------------------------------------------------------------------ running demos


def test_demo_plain(runner):
    name = some_demo()
    result = runner.invoke(app, ["demo", name], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b" not in out
    assert out.startswith(f"== {name} ")
    summary = registry.summary(name)
    assert " ".join(summary.split()) in " ".join(out.split()[:80])  # right after the heading
    assert out.rstrip().endswith("checks, all ok")
    check_lines = [line for line in out.splitlines() if line.endswith("   ok")]
    assert len(check_lines) == len(registry.run(name).checks)


def test_demo_rich(runner):
    name = some_demo()
    result = runner.invoke(app, ["--color", "always", "demo", name])
    assert result.exit_code == 0
    assert "\x1b[" in result.stdout and name in result.stdout and "ok" in result.stdout


def test_demo_json(runner):
    name = some_demo()
    data = strict_json(runner.invoke(app, ["demo", name, "--json"]).stdout)
    assert set(data) == {"term", "summary", "seed", "params", "sections", "checks", "exercises", "passed"}
    assert data["term"] == name and data["summary"] and data["passed"] is True
    items = [item for section in data["sections"] for item in section["items"]]
    assert all("kind" in item for item in items)
    for tensor in (item for item in items if item["kind"] == "tensor"):
        assert isinstance(tensor["shape"], list) and "values" in tensor
    assert data["checks"] and all(set(c) == {"name", "kind", "passed", "detail"} for c in data["checks"])


def test_same_seed_same_numbers(runner):
    name = some_demo()
    runs = [runner.invoke(app, ["demo", name, "--json", "--seed", "3"]).stdout for _ in range(2)]
    assert runs[0] == runs[1]


def test_several_terms_even_outside_the_glossary(runner, fake_demos):
    result = runner.invoke(app, ["demo", "Pictures", "not", "finite"])
    assert result.exit_code == 0
    assert "== pictures " in result.stdout and "\n\n== not finite " in result.stdout
    assert "2 demos, 2 checks: all ok" in result.stdout


# ---------------------------------------------------------------------- misses and failures


def test_typo_suggests_and_exits_1(runner):
    result = runner.invoke(app, ["demo", "convolutoin"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Did you mean: convolution" in result.stderr


def test_term_without_demo_exits_1(runner, tmp_path):
    glossary = tmp_path / "g.md"
    glossary.write_text("### what is a widget\n- a thing with no demo\n", encoding="utf-8")
    result = runner.invoke(app, ["--glossary", str(glossary), "demo", "widgets"])
    assert result.exit_code == 1
    assert result.stderr == "mlterms: 'widget' has no demo yet. Demos: mlterms demo --list\n"
    result = runner.invoke(app, ["--glossary", str(glossary), "demo", some_demo()])
    assert result.exit_code == 0  # a demo runs even if the glossary in use lacks its term


def test_demo_names_resolve_and_suggest_without_the_glossary(runner, tmp_path):
    glossary = tmp_path / "g.md"
    glossary.write_text("", encoding="utf-8")  # no entries: demos still resolve by their own names
    name = some_demo()
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    result = runner.invoke(app, ["--glossary", str(glossary), "demo", typo])
    assert result.exit_code == 1 and f"Did you mean: {name}" in result.stderr
    result = runner.invoke(app, ["--glossary", str(glossary), "demo", name.upper() + "S"])
    assert result.exit_code == 0, result.stderr


def test_usage_errors_exit_2(runner):
    for args in (["demo"], ["demo", "--all", "--list"], ["demo", "softmax", "--all"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("mlterms: ")


def test_failing_check_exits_2_and_shows_fail(runner, fake_demos):
    result = runner.invoke(app, ["demo", "always", "fails"])
    assert result.exit_code == 2
    assert "one equals two" in result.stdout and "FAIL" in result.stdout
    assert "1 of 2 checks FAILED" in result.stdout
    data = strict_json(runner.invoke(app, ["demo", "always fails", "--json"]).stdout)
    assert data["passed"] is False and [c["passed"] for c in data["checks"]] == [True, False]


def test_broken_demo_is_one_line_and_exit_2(runner, fake_demos):
    result = runner.invoke(app, ["demo", "broken"])
    assert result.exit_code == 2
    assert result.stderr == "mlterms: demo 'broken' failed: RuntimeError: this demo has a bug\n"
    assert "Traceback" not in result.output


def test_nan_and_infinity_give_valid_json(runner, fake_demos):
    result = runner.invoke(app, ["demo", "not finite", "--json"])
    assert result.exit_code == 0
    data = strict_json(result.stdout)
    items = {item["kind"]: item for item in data["sections"][0]["items"]}
    assert items["tensor"]["values"] == [["NaN", "Infinity"], ["-Infinity", 1.5]]
    assert items["scalar"]["value"] == "NaN"
    assert items["table"]["rows"] == [["Infinity"]]
    assert items["plot"]["series"]["y"][1] == "NaN"


@pytest.mark.parametrize("color", ["never", "always"])
def test_nan_and_pictures_draw_in_text(runner, fake_demos, color):
    result = runner.invoke(app, ["--color", color, "demo", "not", "finite"])
    assert result.exit_code == 0 and "nan" in result.stdout and "inf" in result.stdout
    result = runner.invoke(app, ["--color", color, "demo", "pictures"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "cube[2]" in result.stdout and "[bold]note[/bold]" in result.stdout
    assert ("\x1b" in result.stdout) == (color == "always")


def test_plain_pictures_fit_80_columns(runner, fake_demos):
    out = runner.invoke(app, ["demo", "pictures"], env={"COLUMNS": "80"}).stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "columns 0-" in out and "⋮" in out  # the 30 x 40 tensor: blocks of columns, long rows elided
    assert "• up" in out and "+ down" in out  # the plot legend, one mark per series
    assert "█" in out and "shades:" in out  # the heatmap's shade characters


# ------------------------------------------------------------------------- renderer, directly


def test_json_safe():
    assert draw.json_safe({"a": [math.nan, math.inf, -math.inf, 1.0, 2, None, "s"]}) == {
        "a": ["NaN", "Infinity", "-Infinity", 1.0, 2, None, "s"]
    }


def test_formatter_lines_numbers_up():
    assert draw.formatter([1.0, 2.0])(1.0) == "1.0"
    assert draw.formatter([0.25, 1.5])(0.25) == "0.25"
    assert draw.formatter([1 / 3])(1 / 3) == "0.3333"
    assert draw.formatter([-1e-9, 0.5])(-1e-9) == "0.0000"  # no '-0.0000'
    assert draw.formatter([1e7])(1e7) == "1.000e+07"
    assert draw.formatter([3, 50_331_648])(50_331_648) == "50,331,648"
    assert draw.formatter([math.nan, 1.0])(math.nan) == "nan"


def test_elide_keeps_both_ends():
    assert draw.elide(5, 10) == [0, 1, 2, 3, 4]
    assert draw.elide(10, 5) == [0, 1, None, 8, 9]


def test_slices_of_a_4d_tensor():
    t = Tensor("x", [[[[1, 2], [3, 4]]]], [1, 1, 2, 2])
    grids, more = draw.slices(t)
    assert grids == [("x[0, 0]", [[1, 2], [3, 4]])] and more == 0
    lines = draw.plain_tensor(t, 80)
    assert lines[0] == "x  (1, 1, 2, 2)" and "x[0, 0]" in lines
