"""Demos of losses: one file per term."""
