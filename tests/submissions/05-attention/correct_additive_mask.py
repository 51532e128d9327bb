"""A correct answer written differently from the solution: an additive float
mask (0 or -inf) with NaN rows cleaned up after the softmax, and a module that
loops over the heads, slicing each head's features out of q, k and v and
concatenating the results."""

# %% causal-mask
def causal_mask(T):
    return torch.ones(T, T).tril().bool()


# %% sdpa
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(k.size(-1))
    if mask is not None:
        bias = torch.zeros(mask.shape, dtype=scores.dtype).masked_fill(mask.logical_not(), float("-inf"))
        scores = scores + bias
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return torch.matmul(weights, v)


# %% causal-self-attention
class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        d_head, rest = divmod(d_model, n_heads)
        if rest != 0:
            raise ValueError(f"{n_heads} heads do not divide {d_model} features")
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_head
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        qkv = self.qkv(x)
        q = qkv[..., :self.d_model]
        k = qkv[..., self.d_model:2 * self.d_model]
        v = qkv[..., 2 * self.d_model:]
        mask = causal_mask(x.shape[1])
        outputs = []
        for h in range(self.n_heads):
            part = slice(h * self.d_head, (h + 1) * self.d_head)
            outputs.append(scaled_dot_product_attention(q[..., part], k[..., part], v[..., part], mask))
        return self.out(torch.cat(outputs, dim=-1))
