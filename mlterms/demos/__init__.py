"""Verified PyTorch demos, one file per glossary term, in theme folders.

`registry` finds them by their file names (`layers/convolution.py` is the demo of
"convolution"), so names are known without importing anything. `hand/` holds the by-hand
computations that several demos share; no theme imports another.

LEGACY lists the demos still in one module per theme, until each moves to a file of its own.
"""

LEGACY = {
    "regularization": ["dropout", "l1 regularization", "l2 regularization"],
    "training": [
        "hyperparameter", "fine tuning", "step", "iteration", "learning rate", "forward pass",
        "backpropagation",
    ],
}  # fmt: skip
