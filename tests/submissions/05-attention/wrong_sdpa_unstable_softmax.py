"""A softmax written as exp(s) / sum(exp(s)) without subtracting the maximum:
large scores overflow to inf and give NaN."""
# fails: test-sdpa-values

# %% sdpa
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    e = torch.exp(scores)
    if mask is not None:
        e = e * mask
    total = e.sum(dim=-1, keepdim=True)
    return e / torch.where(total == 0, torch.ones_like(total), total) @ v
