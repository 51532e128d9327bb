"""Checks the head count with an assert: an AssertionError (or nothing, under python -O), not the ValueError asked for."""
# fails: test-attention-errors

# %% causal-self-attention
class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with a fused q/k/v projection (GPT-2 layout)."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        assert d_model % n_heads == 0, f"d_model={d_model} is not divisible by n_heads={n_heads}"
        self.d_model = d_model
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(self.d_model, dim=-1)
        d_head = C // self.n_heads
        q, k, v = (t.view(B, T, self.n_heads, d_head).transpose(1, 2) for t in (q, k, v))
        y = scaled_dot_product_attention(q, k, v, causal_mask(T).to(x.device))
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.out(y)
