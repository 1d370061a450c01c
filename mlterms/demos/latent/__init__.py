"""Latent-variable generative models: GANs, VAEs, latent spaces and the reparameterization trick."""
