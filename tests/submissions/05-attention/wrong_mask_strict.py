"""Strict lower triangle: a position may not attend to itself, so the first
position attends to nothing."""
# fails: test-causal-mask test-attention-reference

# %% causal-mask
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
