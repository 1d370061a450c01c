"""Demos of optimizers and training mechanics: momentum, Adam, AdamW, RMSprop, warmup, clipping, mixed precision, accumulation, loss curves."""
