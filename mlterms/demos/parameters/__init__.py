"""Demos of a model's learned numbers: parameters, weights and biases."""
