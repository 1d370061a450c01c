"""Verified PyTorch demos, one per glossary term, grouped by theme.

Importing this package registers every demo (see registry.py) without importing torch.
"""

from mlterms.demos import basics, generative, layers, losses, regularization, sequences, training

THEMES = (basics, layers, losses, regularization, training, sequences, generative)
