"""By-hand computations shared by several demos, one module per topic.

Each function is the plain version of something PyTorch does for us, short and with shape
comments, so a demo can check it against the reference. torch is imported only as a type here:
the callers pass tensors in.
"""
