"""Forgets the bias in the forward pass."""
# fails: test-linear-backward

# %% linear linear_forward
def linear_forward(x, W, b):
    """y = x W^T + b for x (B, n_in), W (n_out, n_in), b (n_out,)."""
    return x @ W.T
