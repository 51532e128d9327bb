"""Masks with the most negative finite float instead of -inf: no NaN, but a
query with no allowed key averages all the values instead of returning zeros."""
# fails: test-sdpa-masked-rows

# %% sdpa
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1) @ v
