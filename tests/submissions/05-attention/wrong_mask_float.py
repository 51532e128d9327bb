"""Returns a float 0/1 matrix instead of a boolean mask."""
# fails: test-causal-mask

# %% causal-mask
def causal_mask(T):
    return torch.tril(torch.ones(T, T))
