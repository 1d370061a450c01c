"""Demos of how data is represented: tensors, one-hot codes and embeddings."""
