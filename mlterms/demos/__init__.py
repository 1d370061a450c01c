"""Verified PyTorch demos, one file per glossary term, in theme folders.

`registry` finds them by their file names (`layers/convolution.py` is the demo of
"convolution"), so names are known without importing anything. `hand/` holds the by-hand
computations that several demos share; no theme imports another.
"""
