"""Transformer pieces: multi-head attention, positions, masks, the feed-forward layer, the decoder, the kv cache and tokens."""
