"""Demos of layers: convolution, pooling, dense, embedding, activations, softmax and depth."""
