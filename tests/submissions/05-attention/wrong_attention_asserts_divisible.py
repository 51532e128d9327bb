"""Checks the head count with an assert: an AssertionError (or nothing, under python -O), not the ValueError asked for."""
# fails: test-attention-errors

# %% causal-self-attention CausalSelfAttention.__init__
    def __init__(self, d_model, n_heads):
        super().__init__()
        assert d_model % n_heads == 0, f"d_model={d_model} is not divisible by n_heads={n_heads}"
        self.d_model = d_model
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
