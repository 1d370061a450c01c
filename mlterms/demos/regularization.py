"""Demos: regularization."""

from mlterms.demos.registry import demo  # noqa: F401
