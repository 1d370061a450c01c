"""Line charts for demo reports, drawn by plotext (imported only when a report has a plot)."""

from __future__ import annotations

import math
from typing import Any

from mlterms.demos.report import Plot

MARKS = ["•", "+", "x", "o", "*", "#"]  # one per plot series in plain text
PALETTE = [12, 10, 9, 14, 13, 11]  # 256-colour codes, one per plot series in colour
PLOT_HEIGHT = 15
MAX_PLOT_WIDTH = 100


def chart(p: Plot, width: int, color: bool) -> str:
    """The plot as a plotext line chart (or scatter, with `points`): coloured hd markers, or one
    plain character per series."""
    import plotext  # type: ignore[import-untyped]

    fig = plotext.figure
    fig.clear.all()
    fig.plot_size(min(width, MAX_PLOT_WIDTH), PLOT_HEIGHT)
    fig.theme("simple" if color else "colorless")
    fig.legend(False)
    for i, series in enumerate(p.series.values()):
        points = [(x, y) for x, y in zip(p.x, series, strict=False) if math.isfinite(x) and math.isfinite(y)]
        if points:
            xs, ys = zip(*points, strict=True)
            signal = fig.signal(list(xs), list(ys), marker=plot_marker(plotext, i, color))
            fig.draw(signal if p.points else signal.lines())
    return fig.build().string(colorless=not color)


def plot_marker(plotext: Any, i: int, color: bool) -> Any:
    if color:
        return plotext.marker("hd", plotext.pixel(foreground=PALETTE[i % len(PALETTE)]))
    return MARKS[i % len(MARKS)]


def has_points(p: Plot) -> bool:
    return any(
        math.isfinite(x) and math.isfinite(y)
        for ys in p.series.values()
        for x, y in zip(p.x, ys, strict=False)
    )
