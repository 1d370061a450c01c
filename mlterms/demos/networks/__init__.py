"""Demos of networks and their parts: kernels, padding, stride, hidden layers, CNNs, one file per term."""
