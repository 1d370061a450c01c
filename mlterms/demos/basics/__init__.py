"""Demos of the basics: tensors, examples, models and normalization, one file per term."""
