"""A correct answer written differently from the solution: the mask from an
index comparison, einsum products, a hand-written numerically stable softmax
that zeroes rows with no allowed key, q scaled before the product, and heads
split with chunk/unflatten/permute."""

# %% causal-mask
def causal_mask(T):
    idx = torch.arange(T)
    return idx.unsqueeze(0) <= idx.unsqueeze(1)


# %% sdpa
def scaled_dot_product_attention(q, k, v, mask=None):
    q = q * q.shape[-1] ** -0.5
    scores = torch.einsum("...td,...sd->...ts", q, k)
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, float("-inf")))
    peak = scores.amax(dim=-1, keepdim=True)
    peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))
    e = torch.exp(scores - peak)
    total = e.sum(dim=-1, keepdim=True)
    weights = torch.where(total > 0, e / torch.where(total > 0, total, torch.ones_like(total)), torch.zeros_like(e))
    return torch.einsum("...ts,...sd->...td", weights, v)


# %% causal-self-attention
class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        if n_heads <= 0 or d_model % n_heads:
            raise ValueError("n_heads must divide d_model")
        self.h = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        T = x.shape[1]
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        heads = [t.unflatten(-1, (self.h, -1)).permute(0, 2, 1, 3) for t in (q, k, v)]
        y = scaled_dot_product_attention(*heads, mask=causal_mask(T))
        return self.out(y.permute(0, 2, 1, 3).flatten(2))
