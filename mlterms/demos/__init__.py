"""Verified PyTorch demos, one per glossary term, grouped by theme.

CATALOG says which theme module holds each demo, so the names are known without importing
anything (for define's hint, `demo --list` and completion), and running one demo imports only
its theme. Each theme registers its demos with the @demo decorator (registry.py); a test keeps
CATALOG and the decorators in step.
"""

THEMES = {
    "basics": ["rank", "feature", "label", "model", "normalization", "batch normalization"],
    "layers": [
        "convolution", "convolutional layer", "pooling layer", "dense layer", "depth",
        "embedding layer", "activation function", "softmax",
    ],
    "losses": ["l1 loss", "l2 loss"],
    "regularization": ["dropout", "l1 regularization", "l2 regularization"],
    "training": [
        "hyperparameter", "fine tuning", "step", "iteration", "learning rate", "forward pass",
        "backpropagation",
    ],
    "sequences": ["attention", "self attention", "recurrent neural network", "encoder"],
    "generative": [
        "timestep", "schedule", "distilling", "one-shot learning", "bayesian neural network", "denoising",
    ],
}  # fmt: skip

CATALOG = {name: theme for theme, names in THEMES.items() for name in names}
