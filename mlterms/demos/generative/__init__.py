"""Demos of generative and probabilistic ideas: diffusion, distillation, one-shot, Bayesian nets."""
