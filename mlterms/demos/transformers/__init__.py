"""Demos of the transformer and its parts: query key value, attention blocks."""
