"""Demos: basics."""

from mlterms.demos.registry import demo  # noqa: F401
