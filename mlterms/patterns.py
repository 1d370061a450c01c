"""Regular expressions compiled on their first use, not when their module is imported.

Compiling a pattern costs 50-500 microseconds (IGNORECASE ones the most), and every command
compiles the patterns of every module it imports. `define` reads the bundled glossary parsed
ahead of time, so the parser's patterns would be compiled for nothing: declared with lazy(),
they are compiled only by the first parse.

A leaf module: it imports nothing from mlterms.
"""

from __future__ import annotations

import re
from typing import Any, cast

METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class LazyPattern:
    """Stands for re.compile(pattern, flags). On first use it compiles the pattern and keeps its
    bound methods as its own attributes, so that later uses cost no more than the pattern's."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:  # only for attributes not set yet
        compiled = re.compile(self.pattern, self.flags)
        for method in METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern compiled on its first use; typed as the re.Pattern it stands for."""
    return cast("re.Pattern[str]", LazyPattern(pattern, flags))
