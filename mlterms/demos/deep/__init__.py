"""Demos of deep networks: gradients through depth, initialization, skips, normalization, perceptrons and MLPs."""
