"""Counts the output head even when it is tied to the token embedding:
the shared matrix is counted twice."""
# fails: test-gpt-param-count

# %% gpt-param-count
def gpt_param_count(n_layer, d_model, vocab_size=50257, n_ctx=1024, tied=True):
    if min(n_layer, d_model, vocab_size, n_ctx) <= 0:
        raise ValueError("sizes must be positive")
    d = d_model
    block = 12 * d * d + 13 * d
    return 2 * vocab_size * d + n_ctx * d + n_layer * block + 2 * d
