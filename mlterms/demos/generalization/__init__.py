"""Demos of generalization: fitting, held-out data, capacity and regularization, one file per term."""
