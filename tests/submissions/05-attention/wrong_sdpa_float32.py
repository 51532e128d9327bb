"""Computes in float32 whatever the inputs: float64 inputs lose precision and
come back as float32."""
# fails: test-sdpa-batch-shapes test-sdpa-masked-rows test-attention-reference

# %% sdpa
def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = q.float(), k.float(), v.float()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return weights @ v
