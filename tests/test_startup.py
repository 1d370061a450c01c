"""Fast start: the lookup commands never import torch or numpy; completion knows term names."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
from mlterms.cli import main
sys.argv = ["mlterms", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in ("torch", "numpy") if m in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [["define", "dropout"], ["list"], ["search", "overfitting"], ["check"], ["define", "dropuot"]],
)
def test_lookup_commands_do_not_import_torch_or_numpy(args):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)
    assert "HEAVY:\n" in done.stderr, done.stderr


def test_completion_offers_term_names():
    env = {"_MLTERMS_COMPLETE": "complete_bash", "COMP_WORDS": "mlterms define drop", "COMP_CWORD": "2"}
    done = subprocess.run(
        [sys.executable, "-c", "from mlterms.cli import main; main()"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert "dropout" in done.stdout.split("\n")
