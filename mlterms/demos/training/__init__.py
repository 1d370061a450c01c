"""Demos of the training theme: steps, iterations, learning rates, passes and tuning."""
