"""Demos: training."""

from mlterms.demos.registry import demo  # noqa: F401
