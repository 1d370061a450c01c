"""links: backlinks, prerequisites, reading orders and cycles, resolved the way define resolves names."""

from __future__ import annotations

import random

import pytest

from mlterms import links
from mlterms.glossary import parse


def glossary(spec: dict[str, tuple[list[str], list[str]]]):
    """A glossary from {term: (see also, builds on)}, in that order."""
    parts = []
    for term, (see, builds) in spec.items():
        parts += [f"### what is {term}", f"- {term} is a thing"]
        if see:
            parts.append("- see also: " + ", ".join(see))
        if builds:
            parts.append("- builds on: " + ", ".join(builds))
        parts.append("")
    return parse("\n".join(parts))


def test_used_by_collects_see_also_and_builds_on_backlinks_through_plurals_and_case():
    g = glossary(
        {
            "tensor": ([], []),
            "attention": (["Tensors"], ["tensor"]),
            "transformer": (["attention"], ["attention", "tensor"]),
            "bert": (["transformers"], []),
        }
    )
    found = links.of(g)
    assert found.used_by == {
        "tensor": ["attention", "transformer"],
        "attention": ["transformer"],
        "transformer": ["bert"],
    }
    assert found.builds_on == {
        "tensor": [],
        "attention": ["tensor"],
        "transformer": ["attention", "tensor"],
        "bert": [],
    }


def test_a_link_to_nothing_or_to_itself_is_left_out():
    g = glossary({"a": (["a", "missing"], ["a", "nowhere"])})
    found = links.of(g)
    assert found.used_by == {} and found.builds_on == {"a": []}


def test_the_reading_order_puts_every_prerequisite_before_what_builds_on_it():
    g = glossary(
        {
            "transformer": ([], ["attention", "layer norm"]),
            "attention": ([], ["softmax", "tensor"]),
            "layer norm": ([], ["tensor"]),
            "softmax": ([], ["tensor"]),
            "tensor": ([], []),
            "unrelated": ([], ["tensor"]),
        }
    )
    order = links.reading_order(links.of(g), "transformer")
    assert order == ["tensor", "softmax", "attention", "layer norm", "transformer"]


@pytest.mark.parametrize("seed", range(20))
def test_reading_orders_of_random_dags_are_topological_and_complete(seed):
    rng = random.Random(seed)
    n = 12
    spec = {f"t{i}": ([], [f"t{j}" for j in range(i) if rng.random() < 0.3]) for i in range(n)}
    found = links.of(glossary(spec))
    order = links.reading_order(found, f"t{n - 1}")
    # independently: the transitive closure by repeated expansion
    closure = {f"t{n - 1}"}
    while True:
        grown = closure | {p for t in closure for p in spec[t][1]}
        if grown == closure:
            break
        closure = grown
    assert set(order) == closure and len(order) == len(closure) and order[-1] == f"t{n - 1}"
    for position, term in enumerate(order):
        assert all(order.index(p) < position for p in spec[term][1])


def test_a_cycle_is_an_error_naming_it_and_found_once():
    g = glossary({"a": ([], ["b"]), "b": ([], ["c"]), "c": ([], ["a"]), "d": ([], ["a"])})
    with pytest.raises(links.CycleError) as e:
        links.reading_order(links.of(g), "d")
    assert str(e.value) == "cycle: a -> b -> c -> a"
    assert links.cycles(links.of(g)) == [["a", "b", "c", "a"]]


def test_used_by_of_a_few_entries_agrees_with_every_link_resolved_on_the_bundled_glossary():
    from mlterms.glossary import bundled_path, load

    g = load(bundled_path())
    everything = links.of(g).used_by
    for entry in g.entries:
        assert links.used_by(g, [entry]).get(entry.term, []) == everything.get(entry.term, []), entry.term


WORDS = ["batch", "batches", "query", "queries", "loss", "losses", "bias", "class", "classes", "box"]


@pytest.mark.parametrize("seed", range(40))
def test_used_by_of_one_entry_agrees_with_of_through_plurals_aliases_and_repeated_headings(seed):
    """Random glossaries whose names are plurals and singulars of each other ('query', 'queries'),
    with aliases and a repeated heading: the shortcut must skip no link that resolves."""
    rng = random.Random(seed)
    parts = []
    for i in range(8):
        term = rng.choice(WORDS) if i % 3 else f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        parts += [f"### what is {term}", "- a thing", "- aka: " + rng.choice(WORDS)]
        parts.append("- see also: " + ", ".join(rng.sample(WORDS, 3)))
        parts += ["- builds on: " + rng.choice(WORDS).upper(), ""]
    g = parse("\n".join(parts))
    everything = links.of(g).used_by
    for entry in g.entries:
        assert links.used_by(g, [entry]).get(entry.term, []) == everything.get(entry.term, [])
