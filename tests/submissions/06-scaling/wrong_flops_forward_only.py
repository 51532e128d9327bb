"""Counts only the forward pass, 2ND."""
# fails: test-training-flops

# %% training-flops
def training_flops(n_params, n_tokens):
    if n_params <= 0 or n_tokens <= 0:
        raise ValueError("n_params and n_tokens must be positive")
    return 2.0 * n_params * n_tokens
