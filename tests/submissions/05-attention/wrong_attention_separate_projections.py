"""Uses three separate projections self.q, self.k, self.v instead of the fused
self.qkv the task asks for (the computation is fine, the layout is not)."""
# fails: test-attention-layout

# %% causal-self-attention
class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError("d_model must be divisible by n_heads")
        self.n_heads = n_heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        d_head = C // self.n_heads
        q, k, v = (lin(x).view(B, T, self.n_heads, d_head).transpose(1, 2) for lin in (self.q, self.k, self.v))
        y = scaled_dot_product_attention(q, k, v, causal_mask(T))
        return self.out(y.transpose(1, 2).reshape(B, T, C))
