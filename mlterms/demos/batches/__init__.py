"""Demos of how data is fed to training: batches and epochs."""
