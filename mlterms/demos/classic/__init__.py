"""Classic methods, in tensors: linear and logistic regression, kNN, k-means, PCA, cosine similarity."""
