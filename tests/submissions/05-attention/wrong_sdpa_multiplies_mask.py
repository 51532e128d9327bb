"""Multiplies the scores by the mask: masked pairs get score 0, not -inf, so
they still take part in the softmax."""
# fails: test-sdpa-values test-sdpa-batch-shapes test-attention-reference test-attention-causal

# %% sdpa
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores * mask
    return torch.softmax(scores, dim=-1) @ v
