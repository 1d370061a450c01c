"""Demos of vision layers and training tricks: conv variants, receptive fields, channels, augmentation."""
