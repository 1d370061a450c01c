"""The explorer's link bar laid out: labels, separators, wrapping under the first link."""

from __future__ import annotations

from mlterms.explore.model import Link, LinkGroup
from mlterms.explore.widgets import SEPARATOR, arrange


def group(label: str, *names: str) -> LinkGroup:
    return LinkGroup(label, tuple(Link(n, n) for n in names))


def test_links_follow_their_label_and_wrap_under_the_first_link():
    groups = [group("see also", "alpha", "beta", "gamma"), group("used by", "delta")]
    indent = len("see also") + 2
    width = indent + len("alpha") + len(SEPARATOR) + len("beta")  # room for two links a line
    lines = arrange(groups, width)
    text = ["".join(piece for piece, _ in line) for line in lines]
    assert text == [
        "see also  alpha" + SEPARATOR + "beta",
        " " * indent + "gamma",
        "used by".ljust(indent) + "delta",
    ]
    assert all(len(line) <= width for line in text)
    links = [index for line in lines for _, index in line if index is not None]
    assert links == [0, 1, 2, 3]  # every link once, in order: the cursor walks them


def test_a_link_wider_than_the_line_gets_a_line_of_its_own():
    lines = arrange([group("see also", "a", "a-very-long-name-indeed")], 16)
    assert ["".join(p for p, _ in line) for line in lines] == [
        "see also  a",
        "          a-very-long-name-indeed",
    ]


def test_no_groups_no_lines():
    assert arrange([], 80) == []
