"""Forgets the causal mask: every position attends to the whole sequence."""
# fails: test-attention-reference test-attention-causal

# %% causal-self-attention CausalSelfAttention.forward
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(self.d_model, dim=-1)
        d_head = C // self.n_heads
        q, k, v = (t.view(B, T, self.n_heads, d_head).transpose(1, 2) for t in (q, k, v))
        y = scaled_dot_product_attention(q, k, v)
        return self.out(y.transpose(1, 2).reshape(B, T, C))
