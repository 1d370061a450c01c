"""The demo command's options: --set, --params, --exercise, --source, --svg / --html, and the
progress bar of --all. Fake demos are registered on a copy of the registry."""

from __future__ import annotations

import ast
import html
import json
import os
import re
import xml.dom.minidom
from pathlib import Path

import pytest

from mlterms.cli import app
from mlterms.demos import registry, source
from mlterms.demos.hand import losses as hand_losses
from mlterms.demos.registry import Param
from mlterms.demos.report import Report
from mlterms.render import running

ROOT = Path(__file__).resolve().parent.parent


def knobbed(r: Report, *, p: float, n: int, mode: str) -> None:
    s = r.section("knobs")
    s.scalar("p", p)
    s.scalar("n", n)
    s.scalar("mode", mode)
    r.check("p is a probability", 0 <= p <= 1, kind="property")
    r.effect("enough samples", n >= 10, f"n = {n}")
    r.exercise("twice-n", "What is 2n?", 2 * n, given={"n": n})
    r.exercise("shape", "The shape of torch.zeros(n, 3)?", (n, 3), given={"n": n})
    r.exercise("third", "What is p / 3?", p / 3, given={"p": p}, tolerance=1e-3)


def narrow(r: Report, *, p: float) -> None:
    r.section("one knob").scalar("p", p)
    r.check("p is small", p <= 0.5, kind="property")


def bare(r: Report) -> None:
    r.section("nothing to turn").note("No knobs, no exercises.")
    r.check("true", True, kind="reference")


def failing(r: Report) -> None:
    r.section("broken maths").scalar("x", 1)
    r.check("one equals two", False, "1 != 2", kind="reference")
    r.exercise("one", "What is 1?", 1)


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    for name in registry.names():  # import the real demos first, so they stay in the real registry
        registry.get(name)
    monkeypatch.setattr(registry, "_DEMOS", dict(registry._DEMOS))
    monkeypatch.setattr(registry, "_seed_everything", lambda seed: None)
    registry.register(
        "knob demo",
        knobbed,
        "Knobs and exercises.",
        (
            Param("p", "float", 0.5, "a probability", min=0, max=1),
            Param("n", "int", 20, "a count", min=1, max=99),
            Param("mode", "choice", "mean", "how to reduce", choices=("mean", "sum")),
        ),
    )
    registry.register(
        "narrow demo", narrow, "One knob.", (Param("p", "float", 0.1, "small", min=0, max=0.5),)
    )
    registry.register("bare demo", bare, "Nothing to turn.")
    registry.register("failing demo", failing, "A failing check.")


def as_json(runner, *args):
    result = runner.invoke(app, [*args, "--json"])
    return result, json.loads(result.stdout) if result.stdout else None


def scalars(data: dict) -> dict:
    return {i["name"]: i["value"] for s in data["sections"] for i in s["items"] if i["kind"] == "scalar"}


# --------------------------------------------------------------------------------------- --set


def test_set_runs_with_those_values_and_records_them(runner):
    result, data = as_json(runner, "demo", "knob demo", "--set", "p=0.3", "--set", "n=5", "--set", "mode=sum")
    assert result.exit_code == 0, result.stderr
    assert data["params"] == {"p": 0.3, "n": 5, "mode": "sum"}
    assert scalars(data) == {"p": 0.3, "n": 5, "mode": "sum"}
    effect = next(c for c in data["checks"] if c["kind"] == "effect")
    assert effect["passed"] is None and "not asserted at these settings" in effect["detail"]


def test_an_effect_away_from_the_defaults_shows_as_info(runner):
    out = runner.invoke(app, ["demo", "knob demo", "--set", "n=5"]).stdout
    line = next(line for line in out.splitlines() if "enough samples" in line)
    assert line.rstrip().endswith("info") and "n = 5" in line


def test_set_applies_to_each_demo_that_declares_the_knob(runner):
    result, data = as_json(runner, "demo", "knob demo", "narrow demo", "--set", "p=0.25", "--set", "n=7")
    assert result.exit_code == 0, result.stderr
    assert [d["params"] for d in data] == [{"p": 0.25, "n": 7, "mode": "mean"}, {"p": 0.25}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["knob demo", "--set", "p=1.5"], "p must be a number from 0 to 1, not 1.5"),
        (["knob demo", "--set", "n=2.5"], "n must be an integer from 1 to 99, not '2.5'"),
        (["knob demo", "--set", "mode=max"], "mode must be one of: mean, sum, not 'max'"),
        (["knob demo", "--set", "q=1"], "'knob demo' has no knob 'q' (knobs: mode, n, p)"),
        (["knob demo", "narrow demo", "--set", "q=1"], "none of these demos has no knob 'q'"),
        (["knob demo", "narrow demo", "--set", "p=0.7"], "p must be a number from 0 to 0.5, not 0.7"),
        (["bare demo", "--set", "p=1"], "'bare demo' has no knob 'p' (it has no knobs)"),
        (["knob demo", "--set", "p"], "--set takes NAME=VALUE, not 'p'"),
        (["--all", "--set", "p=0.1"], "--set needs demo names, not --all"),
        (["--all", "--exercise"], "--exercise needs demo names"),
        (["knob demo", "--params", "--source"], "--params and --source only show"),
        (["--list", "--params"], "--list takes no other demo option"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(runner, args, message):
    result = runner.invoke(app, ["demo", *args])
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing ran
    assert result.stderr.startswith("mlterms: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


# ------------------------------------------------------------------------------------ --params


def test_params_piped_one_line_per_knob(runner):
    result = runner.invoke(app, ["demo", "knob demo", "--params"])
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [r[:4] for r in rows] == [
        ["p", "float", "0.5", "0"],
        ["n", "int", "20", "1"],
        ["mode", "choice", "mean", "mean,"],
    ]


def test_params_json_lists_every_field(runner):
    result, data = as_json(runner, "demo", "knob demo", "--params")
    assert result.exit_code == 0
    declared = registry.params("knob demo")
    assert data == [
        {"name": p.name, "type": p.type, "default": p.default, "min": p.min, "max": p.max,
         "choices": list(p.choices), "help": p.help}
        for p in declared
    ]  # fmt: skip
    _, both = as_json(runner, "demo", "knob demo", "narrow demo", "--params")
    assert [(d["term"], [p["name"] for p in d["params"]]) for d in both] == [
        ("knob demo", ["p", "n", "mode"]),
        ("narrow demo", ["p"]),
    ]


def test_params_on_a_terminal_is_a_table_and_none_exits_1(runner):
    rich = runner.invoke(app, ["--color", "always", "demo", "knob demo", "--params"])
    assert rich.exit_code == 0 and "\x1b[" in rich.stdout and "a probability" in rich.stdout
    none = runner.invoke(app, ["demo", "bare demo", "--params"])
    assert none.exit_code == 1 and none.stdout == "" and "no knobs" in none.stderr


# ---------------------------------------------------------------------------------- --exercise


def test_exercise_right_answers_exit_0_before_the_report(runner):
    n, p = 30, 0.6  # answers computed here: 2n, (n, 3), p / 3 within 1e-3
    answers = f"{2 * n}\n{n}, 3\n{p / 3 + 0.0008:.4f}\n"
    result = runner.invoke(
        app, ["demo", "knob demo", "--exercise", "--set", f"n={n}", "--set", f"p={p}"], input=answers
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("right:") == 3 and "exercises: 3 of 3 answers right" in out
    assert "n = 30" in out and "p = 0.6" in out  # the given inputs, with the questions
    assert out.index("What is 2n?") < out.index("right:") < out.index("== knob demo ")


@pytest.mark.parametrize("shape", ["20 3", "(20, 3)", "[20,3]", "20;3"])
def test_exercise_shapes_typed_with_spaces_or_commas(runner, shape):
    result = runner.invoke(app, ["demo", "knob demo", "-e"], input=f"40\n{shape}\n0.1667\n")
    assert result.exit_code == 0, result.stdout


def test_exercise_wrong_answer_shows_the_value_and_exits_1(runner):
    result = runner.invoke(app, ["demo", "knob demo", "--exercise"], input="41\n3 20\n0.2\n")
    assert result.exit_code == 1
    out = result.stdout
    assert "wrong: the answer is 40 (you said 41)" in out
    assert "wrong: the answer is (20, 3) (you said (3, 20))" in out
    assert "wrong: the answer is 0.166667 (you said 0.2)" in out
    assert "== knob demo " in out  # the report still follows


def test_exercise_asks_again_after_junk_and_stops_at_end_of_input(runner):
    result = runner.invoke(app, ["demo", "knob demo", "--exercise"], input="forty\n40\n")
    assert result.exit_code == 1
    out = result.stdout
    assert out.count("Type a number, or numbers separated by spaces or commas") == 1
    assert "right: 40" in out and "the answer is (20, 3)" in out and "exercises: 1 of 3" in out
    assert "== knob demo " in out


def test_exercise_failing_check_still_exits_2(runner):
    result = runner.invoke(app, ["demo", "failing demo", "--exercise"], input="1\n")
    assert result.exit_code == 2 and "right: 1" in result.stdout


def test_exercise_without_exercises_says_so_and_exits_1(runner):
    result = runner.invoke(app, ["demo", "bare demo", "--exercise"], input="")
    assert result.exit_code == 1 and "has no exercises" in result.stderr and "== bare demo " in result.stdout


def test_exercise_with_json_asks_on_stderr(runner):
    result = runner.invoke(app, ["demo", "knob demo", "--exercise", "--json"], input="40\n20 3\n0.1667\n")
    assert result.exit_code == 0
    assert "What is 2n?" in result.stderr and "right: 40" in result.stderr
    data = json.loads(result.stdout)
    assert [(e["id"], e["answer"]) for e in data["exercises"]] == [
        ("twice-n", 40),
        ("shape", [20, 3]),
        ("third", 0.5 / 3),
    ]


# ------------------------------------------------------------------------------------ --source


def test_source_prints_the_demo_and_the_hand_helpers_it_calls(runner):
    result = runner.invoke(app, ["demo", "l1 loss", "--source"])
    assert result.exit_code == 0
    out = result.stdout
    # expected from the file itself: its functions, and the names it imports from demos.hand
    tree = ast.parse((ROOT / "mlterms/demos/losses/l1_loss.py").read_text())
    own = [f.name for f in tree.body if isinstance(f, ast.FunctionDef)]
    hand = [a.name for i in tree.body if isinstance(i, ast.ImportFrom) and "demos.hand" in (i.module or "")
            for a in i.names]  # fmt: skip
    shown = re.findall(r"^def (\w+)\(", out, flags=re.M)
    assert shown == [*own, *hand]
    assert "# mlterms/demos/hand/losses.py:" in out and "sum_squared_error" not in out  # not called
    assert out.startswith("# mlterms/demos/losses/l1_loss.py:") and "@demo(" in out and "\x1b" not in out


def test_source_of_a_fake_demo_and_highlighted_on_a_terminal(runner):
    result = runner.invoke(app, ["--color", "always", "demo", "knob demo", "--source"])
    assert result.exit_code == 0 and "\x1b[" in result.stdout and "knobbed" in result.stdout
    _, data = as_json(runner, "demo", "knob demo", "--source")
    assert data["term"] == "knob demo" and data["pieces"][0]["code"].startswith("def knobbed(")


# -------------------------------------------------------------------------------- --svg --html


def test_svg_and_html_are_rich_at_100_columns_whatever_stdout_is(runner, tmp_path):
    svg, page = tmp_path / "a.svg", tmp_path / "a.html"
    result = runner.invoke(
        app, ["demo", "knob demo", "--svg", str(svg), "--html", str(page)], env={"COLUMNS": "50"}
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("== knob demo ")  # stdout stays plain text
    xml.dom.minidom.parse(str(svg))  # well-formed
    assert "knob" in svg.read_text()
    lines = html.unescape(re.sub(r"<[^>]+>", "", page.read_text())).splitlines()
    heading = next(line.strip() for line in lines if " knob demo " in line)
    assert len(heading) == 100 and heading.startswith("━")  # Rich's rule, not the plain '=='
    assert sorted(os.listdir(tmp_path)) == ["a.html", "a.svg"]  # no temp files left
    assert svg.stat().st_mode & 0o044  # readable by others as the umask allows, not 0600


@pytest.mark.parametrize("option", ["--svg", "--html"])
def test_picture_in_a_missing_folder_is_one_line_exit_2(runner, tmp_path, option):
    target = tmp_path / "nope" / "a.out"
    result = runner.invoke(app, ["demo", "knob demo", option, str(target)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"mlterms: cannot write {target}: folder {target.parent} does not exist\n"
    result = runner.invoke(app, ["demo", "knob demo", option, str(tmp_path)])
    assert result.exit_code == 2 and "it is a folder" in result.stderr


# ------------------------------------------------------------------------- --all progress bar


@pytest.fixture
def only_fakes(monkeypatch):
    monkeypatch.setattr(registry, "names", lambda: ["bare demo", "knob demo", "narrow demo"])


def test_all_json_runs_every_demo(runner, only_fakes):
    result, data = as_json(runner, "demo", "--all")
    assert result.exit_code == 0 and [d["term"] for d in data] == registry.names()


def test_all_shows_a_bar_on_stderr_when_it_is_a_terminal(runner, only_fakes, monkeypatch):
    monkeypatch.setattr(running, "stderr_is_terminal", lambda: True)
    result = runner.invoke(app, ["demo", "--all"])
    assert result.exit_code == 0
    assert "3/3" in result.stderr and "narrow demo" in result.stderr  # done/total, the current demo
    assert "3 demos, 4 checks: all ok" in result.stdout and "3/3" not in result.stdout
    assert runner.invoke(app, ["demo", "--all", "--json"]).stderr == ""


def test_all_shows_no_bar_when_stderr_is_redirected(runner, only_fakes):
    result = runner.invoke(app, ["demo", "--all"])
    assert result.exit_code == 0 and result.stderr == ""


def via_hand(x):
    return hand_losses.sum_squared_error(x, x)


def through_module(r: Report) -> None:
    r.check("zero", (lambda: via_hand(None))() == 0, kind="reference")


def test_source_follows_helpers_used_through_a_hand_module_and_in_nested_code():
    registry.register("through module", through_module, "Calls a hand helper through its module.")
    names = [re.search(r"def (\w+)", p.code)[1] for p in source.pieces("through module")]
    assert names == ["through_module", "via_hand", "sum_squared_error"]
