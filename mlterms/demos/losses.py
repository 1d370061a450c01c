"""Demos: losses."""

from mlterms.demos.registry import demo  # noqa: F401
