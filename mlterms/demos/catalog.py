"""The demo catalog: every demo's name and module, from file names alone.

A leaf module that imports nothing, so that `define` and `list` can tell which terms have a demo
without loading the registry (let alone a demo or torch). `registry` registers demos here too.
"""

from __future__ import annotations

import os
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
NOT_THEMES = {"hand", "__pycache__"}  # folders of demos/ that hold no demos

REGISTERED: dict[str, Any] = {}  # name -> registry.Demo, filled as demo files are imported


def name_of_stem(stem: str) -> str:
    """A demo's name from its file name: '_' is a space and '__' a hyphen, so that the name is
    spelled like its glossary term: 'convolution', 'one__shot_learning' -> 'one-shot learning'."""
    return stem.replace("__", "-").replace("_", " ")


def catalog() -> dict[str, str]:
    """Every demo name, to its module: `layers/convolution.py` is 'convolution', in
    mlterms.demos.layers.convolution; 'one__shot_learning.py' is 'one-shot learning'."""
    found: dict[str, str] = {}
    with os.scandir(HERE) as listing:
        themes = sorted(e.name for e in listing if e.name not in NOT_THEMES and e.is_dir())
    for theme in themes:
        with os.scandir(os.path.join(HERE, theme)) as listing:
            files = sorted(e.name for e in listing if e.name.endswith(".py") and e.name[0] != "_")
        for file in files:
            stem = file[:-3]
            found[name_of_stem(stem)] = f"mlterms.demos.{theme}.{stem}"
    return found


def names() -> list[str]:
    """Every demo name, sorted: the files' and any registered under a name of their own."""
    return sorted({*catalog(), *REGISTERED})
