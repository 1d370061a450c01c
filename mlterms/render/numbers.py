"""Numbers as text: one format per tensor or column so that they line up, and JSON-safe values.

NaN and the infinities become the strings "NaN", "Infinity" and "-Infinity" in JSON (spellings
that Python's float() and JavaScript's Number() read back), so the output stays valid JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from mlterms.render import clean

NONFINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}

Formatter = Callable[[Any], str]


def json_safe(x: Any) -> Any:
    """Nested data that json.dumps writes as valid JSON: no NaN or inf, no tensors."""
    if isinstance(x, float):
        return x if math.isfinite(x) else NONFINITE[str(float(x))]
    if x is None or isinstance(x, (str, int)):
        return x
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if hasattr(x, "tolist"):
        return json_safe(x.tolist())
    return str(x)


def number(v: Any) -> str:
    """One value on its own: ints as ints (grouped when long), floats to 6 significant digits."""
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, float):
        return unsigned_zero(f"{v:.6g}")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(number(x) for x in v) + "]"
    return clean(str(v))


def formatter(values: list) -> Formatter:
    """One format for a whole tensor or table column, so its numbers line up.

    Floats get the fewest decimals (1 to 4) that show them all, or 3 significant digits in
    scientific notation when the largest is huge or tiny; everything else goes through number().
    """
    finite = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    top = max(finite, default=0.0)
    spec = ".3e" if top >= 1e6 or 0 < top < 1e-3 else f".{decimals(finite)}f"

    def fmt(v: Any) -> str:
        return unsigned_zero(format(v, spec)) if isinstance(v, float) else number(v)

    return fmt


def decimals(values: list[float]) -> int:
    for d in range(1, 4):
        if all(abs(v - round(v, d)) <= 1e-9 * v for v in values):
            return d
    return 4


def unsigned_zero(s: str) -> str:
    """'-0.0000' -> '0.0000': a rounded-away sign is noise."""
    return s[1:] if s.startswith("-") and not s.strip("-0.e+") else s


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def flatten(values: Any) -> list:
    if not isinstance(values, (list, tuple)):
        return [values]
    return [leaf for v in values for leaf in flatten(v)]
