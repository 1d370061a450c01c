"""Demos of the regularization theme: dropout and the L1 and L2 penalties."""
