"""Keeps the upper triangle: every query looks at the future, not the past."""
# fails: test-causal-mask test-attention-reference test-attention-causal

# %% causal-mask
def causal_mask(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool))
