"""What the explorer shows, without Textual: demos by alias, links resolved, reading orders, layers."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from mlterms.explore.model import Atlas, Link, layer
from mlterms.glossary import parse

NOTES = """\
### what is a conv
- aka: convolution
- a sliding window
- see also: pooling, no such thing
- builds on: kernel

### kernel
- small weights

### pooling
- aka: pool
- a summary of a window
- builds on: conv
"""


def atlas() -> Atlas:
    return Atlas(parse(NOTES, "notes.md"), ["convolution", "pool"])


def test_a_term_has_the_demo_of_its_name_or_an_alias():
    found = atlas()
    assert found.demo("conv") == "convolution" and found.demo("pooling") == "pool"
    assert found.demo("kernel") is None


def test_links_are_resolved_and_a_dangling_one_opens_nothing():
    found = atlas()
    groups = {g.label: list(g.links) for g in found.link_groups(found.entry("conv"))}
    assert groups == {
        "see also": [Link("pooling", "pooling"), Link("no such thing", None)],
        "builds on": [Link("kernel", "kernel")],
        "used by": [Link("pooling", "pooling")],  # pooling builds on conv
    }
    assert [g.label for g in found.link_groups(found.entry("kernel"))] == ["used by"]


def test_the_reading_order_marks_demos_and_known_cards(progress):
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    progress.review("conv", "conv", 3, now)
    steps = atlas().reading_order("pooling", progress, now)
    assert [(s.term, s.demo, s.known) for s in steps] == [
        ("kernel", False, False),
        ("conv", True, True),
        ("pooling", True, False),
    ]


def test_the_layer_is_shown_only_when_the_entry_has_an_origin():
    assert layer(atlas().entry("conv")) is None
    assert layer(SimpleNamespace(origin="~/notes/personal.md")) == "~/notes/personal.md"  # type: ignore[arg-type]
