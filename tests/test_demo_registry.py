"""The demo registry: names from file names, knobs and their ranges, seeds and settings."""

from __future__ import annotations

import sys

import pytest

from mlterms.demos import registry
from mlterms.demos.registry import Param, ParamError
from mlterms.demos.report import NOT_ASSERTED, Report
from mlterms.glossary import load
from mlterms.names import key

from .conftest import SEED


def test_every_seed_term_has_a_demo():
    demos = {key(n) for n in registry.names()}
    missing = [e.term for e in load(SEED).entries if key(e.term) not in demos]
    assert missing == []


def test_names_come_from_file_names_without_importing_demos():
    before = set(sys.modules)
    names = registry.names()
    assert "l1 loss" in names and names == sorted(names)
    assert not {m for m in set(sys.modules) - before if m.startswith("mlterms.demos.losses")}


def test_exercise_ids_come_from_the_files_without_importing_demos():
    before = set(sys.modules)
    ids = registry.exercise_ids()
    assert set(ids) == set(registry.names())
    assert not {m for m in set(sys.modules) - before if m.startswith("mlterms.demos.")}
    # (tests/demos/test_all.py checks them against every demo's run)


def test_each_file_registers_the_demo_it_is_named_after():
    for name in registry.names():
        assert registry.get(name).name == name


def fake(r: Report, *, p: float, n: int) -> None:
    r.check("p is a probability", 0 <= p <= 1, kind="property")
    r.effect("many samples", n >= 10)


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.setattr(registry, "_DEMOS", dict(registry._DEMOS))
    monkeypatch.setattr(registry, "_seed_everything", lambda seed: None)
    params = (
        Param("p", "float", 0.5, "a probability", min=0, max=1),
        Param("n", "int", 20, "count", min=1, max=99),
    )
    registry.register("fake demo", fake, "A fake.", params)


def test_run_records_seed_params_and_whether_at_defaults(fakes):
    report = registry.run("fake demo", seed=7)
    assert (report.seed, report.params, report.at_defaults) == (7, {"p": 0.5, "n": 20}, True)
    assert [c.passed for c in report.checks] == [True, True]


def test_effects_away_from_defaults_are_information(fakes):
    report = registry.run("fake demo", values={"n": 3})
    assert report.at_defaults is False
    assert report.checks[1].passed is None and NOT_ASSERTED in report.checks[1].detail
    assert report.passed  # information fails nothing


def test_unknown_knob_is_an_error(fakes):
    with pytest.raises(ParamError, match="no knob 'q'"):
        registry.run("fake demo", values={"q": 1})


@pytest.mark.parametrize(
    ("param", "text", "message"),
    [
        (Param("n", "int", 2, "", min=1, max=64), "0", "n must be an integer from 1 to 64, not 0"),
        (Param("n", "int", 2, "", min=1, max=64), "2.5", "n must be an integer from 1 to 64, not '2.5'"),
        (Param("p", "float", 0.5, "", min=0, max=0.9), "0.95", "p must be a number from 0 to 0.9, not 0.95"),
        (Param("p", "float", 0.5, "", min=0, max=0.9), "nan", "p must be a number from 0 to 0.9, not 'nan'"),
        (Param("r", "choice", "mean", "", choices=("mean", "sum")), "max", "r must be one of: mean, sum"),
    ],
)
def test_bad_values_name_the_valid_range(param, text, message):
    with pytest.raises(ParamError, match=message.replace("(", r"\(")):
        param.parse(text)


def test_values_in_range_parse_to_their_type():
    assert Param("n", "int", 2, "", min=1, max=64).parse("64") == 64
    assert Param("p", "float", 0.5, "", min=0, max=0.9).parse("0") == 0.0


def test_params_must_match_the_function_keywords(monkeypatch):
    monkeypatch.setattr(registry, "_DEMOS", dict(registry._DEMOS))
    with pytest.raises(ValueError, match="must match"):
        registry.register("odd", fake, "x", (Param("p", "float", 0.5, "", min=0, max=1),))


def test_a_default_outside_its_range_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "_DEMOS", dict(registry._DEMOS))
    bad = (Param("p", "float", 2.0, "", min=0, max=1), Param("n", "int", 1, "", min=1, max=9))
    with pytest.raises(ParamError):
        registry.register("odd", fake, "x", bad)
