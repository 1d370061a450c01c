"""Demos of evaluation: metrics from counts, curves over thresholds, held-out data done right, one file per term."""
