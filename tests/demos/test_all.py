"""Every demo, suite-wide: the one smoke test (seeds 0-4 at the defaults) and the knob ranges.

All demos run in this one process, through util.run's cache, so a theme's own tests reuse them.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlterms.demos import registry
from mlterms.demos.registry import Param
from mlterms.demos.report import KINDS

from .util import failures, run

NAMES = registry.names()
EXERCISE_IDS = registry.exercise_ids()  # what the quiz reads from the files
KNOBBED = [name for name in NAMES if registry.params(name)]
SEEDS = range(5)
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize("name", NAMES)
def test_every_demo_passes_at_seeds_0_to_4(name):
    reports = [run(name, seed) for seed in SEEDS]
    for seed, report in zip(SEEDS, reports, strict=True):
        assert report.sections and report.checks, f"{name} shows and checks something"
        assert report.passed, f"{name} at seed {seed}: {failures(report)}"
        assert all(c.passed is not None for c in report.checks), "effects are asserted at the defaults"
    ids = [[e.id for e in report.exercises] for report in reports]
    assert all(i == ids[0] for i in ids), f"{name}: exercise ids change with the seed: {ids}"
    assert len(set(ids[0])) == len(ids[0]), f"{name}: exercise ids repeat: {ids[0]}"
    assert all(SLUG.fullmatch(i) for i in ids[0]), f"{name}: exercise ids must be slugs: {ids[0]}"
    assert sorted(ids[0]) == sorted(EXERCISE_IDS[name]), f"{name}: open each r.exercise( call with its id"
    kinds = [c.kind for c in reports[0].checks]
    assert all(k in KINDS for k in kinds), f"{name}: every check says its kind: {kinds}"
    assert "reference" in kinds, f"{name} has no reference check"


def values(param: Param) -> st.SearchStrategy:
    """Every valid value of a knob: its integer or float range, or its choices."""
    if param.type == "int":
        return st.integers(int(param.min), int(param.max))
    if param.type == "float":
        return st.floats(param.min, param.max, allow_nan=False)
    return st.sampled_from(param.choices)


@pytest.mark.parametrize("name", KNOBBED)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_reference_and_property_checks_hold_at_every_valid_knob_value(name, data):
    chosen = {p.name: data.draw(values(p), label=p.name) for p in registry.params(name)}
    seed = data.draw(st.integers(0, 4), label="seed")
    report = run(name, seed, **chosen)
    broken = [f"{c.name}: {c.detail}" for c in report.checks if c.kind != "effect" and c.passed is False]
    assert broken == [], f"{name} at {chosen}, seed {seed}"


def test_every_bundled_entry_has_a_demo():
    from mlterms.glossary import bundled_path, load
    from mlterms.names import key

    demos = {key(n) for n in NAMES}
    assert [e.term for e in load(bundled_path()).entries if key(e.term) not in demos] == []
