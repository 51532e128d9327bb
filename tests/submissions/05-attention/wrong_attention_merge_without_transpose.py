"""Splits the heads correctly but merges them back with a plain reshape of
(B, n_heads, T, d_head), without moving the head axis back behind time."""
# fails: test-attention-reference

# %% causal-self-attention CausalSelfAttention.forward
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(self.d_model, dim=-1)
        d_head = C // self.n_heads
        q, k, v = (t.view(B, T, self.n_heads, d_head).transpose(1, 2) for t in (q, k, v))
        y = scaled_dot_product_attention(q, k, v, causal_mask(T))
        return self.out(y.reshape(B, T, C))
