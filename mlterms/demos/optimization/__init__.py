"""Demos of optimization: the gradient, gradient descent, SGD, optimizers and autograd, one file per term."""
