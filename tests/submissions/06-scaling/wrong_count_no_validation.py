"""Never checks its arguments: zero or negative sizes give a (meaningless) count."""
# fails: test-gpt-param-count-errors

# %% gpt-param-count
def gpt_param_count(n_layer, d_model, vocab_size=50257, n_ctx=1024, tied=True):
    d = d_model
    head = 0 if tied else vocab_size * d
    return vocab_size * d + n_ctx * d + n_layer * (12 * d * d + 13 * d) + 2 * d + head
