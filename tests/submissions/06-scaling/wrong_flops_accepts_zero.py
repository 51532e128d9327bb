"""Rejects negative sizes but lets zero through."""
# fails: test-training-flops

# %% training-flops
def training_flops(n_params, n_tokens):
    if n_params < 0 or n_tokens < 0:
        raise ValueError("n_params and n_tokens must not be negative")
    return 6.0 * n_params * n_tokens
