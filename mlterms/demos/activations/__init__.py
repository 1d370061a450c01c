"""Demos of activations: the values that flow forward, relu, sigmoid, tanh and temperature."""
