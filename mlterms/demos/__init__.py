"""Verified PyTorch demos, one file per glossary term, in theme folders.

`registry` finds them by their file names (`layers/convolution.py` is the demo of
"convolution"), so names are known without importing anything. `hand/` holds the by-hand
computations that several demos share; no theme imports another.

LEGACY lists the demos still in one module per theme, until each moves to a file of its own.
"""

LEGACY = {
    "basics": ["rank", "feature", "label", "model", "normalization", "batch normalization"],
    "layers": [
        "convolution", "convolutional layer", "pooling layer", "dense layer", "depth",
        "embedding layer", "activation function", "softmax",
    ],
    "sequences": ["attention", "self attention", "recurrent neural network", "encoder"],
    "generative": [
        "timestep", "schedule", "distilling", "one-shot learning", "bayesian neural network", "denoising",
    ],
}  # fmt: skip
