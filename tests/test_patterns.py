"""Patterns compiled on first use: they behave as re.compile's, and compile once."""

from __future__ import annotations

import re
import subprocess
import sys

from mlterms.patterns import METHODS, LazyPattern, lazy


def span(found: re.Match[str] | None) -> tuple[int, int] | None:
    return found.span() if found else None


def test_a_lazy_pattern_answers_as_the_compiled_one():
    text = "What is a GAN?  what IS the Model"
    for source, flags in [(r"(?:what\s+is)\s+(\w+)", re.IGNORECASE), (r"\s+", 0)]:
        eager, late = re.compile(source, flags), lazy(source, flags)
        for where in (text, text[5:]):
            assert span(late.match(where)) == span(eager.match(where))
        assert late.sub("-", text) == eager.sub("-", text)
        assert late.split(text) == eager.split(text)
        assert late.findall(text) == eager.findall(text)
        assert [m.span() for m in late.finditer(text)] == [m.span() for m in eager.finditer(text)]
        assert late.pattern == source and late.flags == flags


def test_it_compiles_on_first_use_then_is_the_patterns_own_methods(monkeypatch):
    calls = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: calls.append(a) or real(*a))
    pattern = LazyPattern(r"ab+")
    assert calls == [] and not set(METHODS) & set(vars(pattern))
    assert pattern.search("xabb").group() == "abb"  # type: ignore[attr-defined]
    assert pattern.fullmatch("ab") and pattern.sub("", "abab") == ""  # type: ignore[attr-defined]
    assert calls == [(r"ab+", 0)]  # once
    assert set(METHODS) <= set(vars(pattern))  # found without __getattr__ from now on


def test_define_compiles_none_of_the_parsers_patterns():
    probe = (
        "import sys; sys.argv = ['mlterms', 'define', 'dropout']\n"
        "from mlterms import glossary\n"
        "from mlterms.cli import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "names = ['HEADING', 'FIELD', 'BULLET', 'FENCE', 'OTHER_HEADING', 'UNSPACED_HEADING', 'LINE_BREAK']\n"
        "print('COMPILED:' + ','.join(n for n in names if 'match' in vars(getattr(glossary, n))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "COMPILED:"
