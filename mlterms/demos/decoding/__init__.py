"""Language models and decoding: a bigram table by hand, perplexity, greedy, beam, top-k, top-p, gated cells, seq2seq."""
