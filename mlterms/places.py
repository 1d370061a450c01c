"""Where mlterms keeps the user's things: one rule for the data home, and the files in it.

  home()             $MLTERMS_HOME, else the platform user data dir (~/.local/share/mlterms on Linux)
  state_file()       the quiz's progress, home()/state.json
  personal_file()    the default personal glossary, home()/glossary.md (used only if it exists)

The data dir is platformdirs' `user_data_dir("mlterms", appauthor=False)`. On Linux with an
absolute $HOME it is computed here with os.environ alone, by platformdirs' own XDG rule:
importing platformdirs costs about 7 ms, and `define` asks for the personal file on every run
(benchmarks/README.md). Elsewhere, and in any case the rule below does not cover, platformdirs
answers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "mlterms"
STATE_FILE = "state.json"
PERSONAL_FILE = "glossary.md"


def home() -> Path:
    """Where mlterms keeps its data: $MLTERMS_HOME, else the platform user data dir."""
    override = os.environ.get("MLTERMS_HOME")
    if override:
        return Path(override).expanduser()
    return Path(user_data_dir())


def user_data_dir() -> str:
    """platformdirs.user_data_dir('mlterms', appauthor=False), without importing it on Linux."""
    quick = _xdg_data_dir()
    if quick is not None:
        return quick
    from platformdirs import user_data_dir as platform_data_dir

    return platform_data_dir(APP, appauthor=False)


def _xdg_data_dir() -> str | None:
    """$XDG_DATA_HOME/mlterms (if absolute), else $HOME/.local/share/mlterms: platformdirs' rule on
    plain Linux. None where that rule is not the whole story (Android, another OS, no usable $HOME)."""
    if not sys.platform.startswith("linux") or hasattr(sys, "getandroidapilevel"):
        return None
    if os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system":
        return None  # possibly an Android app: platformdirs looks closer
    base = os.environ.get("XDG_DATA_HOME", "")
    if base:  # platformdirs versions differ on a relative one: let it decide
        return os.path.join(base, APP) if base.startswith("/") else None
    user_home = os.environ.get("HOME", "")
    if not user_home.startswith("/"):
        return None
    return os.path.join(os.path.expanduser("~/.local/share"), APP)


def state_file() -> Path:
    return home() / STATE_FILE


def personal_file() -> Path:
    return home() / PERSONAL_FILE
