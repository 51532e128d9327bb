"""Gives each LayerNorm only a scale (d parameters), no shift."""
# fails: test-gpt-param-count test-gpt-param-count-untied

# %% gpt-param-count
def gpt_param_count(n_layer, d_model, vocab_size=50257, n_ctx=1024, tied=True):
    if min(n_layer, d_model, vocab_size, n_ctx) <= 0:
        raise ValueError("sizes must be positive")
    d = d_model
    block = 2 * d + 12 * d * d + 9 * d
    head = 0 if tied else vocab_size * d
    return vocab_size * d + n_ctx * d + n_layer * block + d + head
