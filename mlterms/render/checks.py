"""How a check's result reads: its kind, its status word and the demo's verdict line.

Shared by the plain and the Rich report, so both say the same words.
"""

from __future__ import annotations

import textwrap

from mlterms.demos.report import Check, Report
from mlterms.render import clean, plural


def wrap(s: str, width: int) -> list[str]:
    """Prose in lines of at most width, broken only between words (a URL or a long number stays whole)."""
    return [
        line
        for para in clean(s).splitlines()
        for line in textwrap.wrap(para, width, break_long_words=False, break_on_hyphens=False) or [""]
    ]


def kind_of(c: Check) -> str:
    return c.kind


def status(c: Check) -> str:
    """ok, FAIL, or info for an effect shown outside the settings where it is asserted."""
    return "info" if c.passed is None else "ok" if c.passed else "FAIL"


STATUS_STYLE = {"ok": "bold green", "FAIL": "bold red", "info": "bold yellow"}


def verdict(r: Report) -> str:
    failed = sum(c.passed is False for c in r.checks)
    if not r.checks:
        return f"{r.term}: no checks"
    if failed:
        return f"{r.term}: {failed} of {len(r.checks)} checks FAILED"
    return f"{r.term}: {plural(len(r.checks), 'check')}, all ok"
