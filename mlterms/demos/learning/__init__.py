"""Demos of the ways of learning: where the signal comes from, reusing what was learned, making models small."""
