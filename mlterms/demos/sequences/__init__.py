"""Demos of sequence models: attention, self-attention, recurrent networks, encoders."""
