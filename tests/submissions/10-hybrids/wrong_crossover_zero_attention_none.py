"""Returns None instead of raising ValueError when there is no attention layer."""
# fails: test-crossover-length

# %% crossover-length
def crossover_length(n_attention_layers, n_kv_heads, head_dim, n_mamba_layers, d_model, d_state=16, expand=2,
                     d_conv=4, bytes_per_value=2):
    if n_attention_layers == 0:
        return None
    per_token = kv_cache_bytes(n_attention_layers, 1, n_kv_heads, head_dim, bytes_per_value)
    state = ssm_state_bytes(n_mamba_layers, d_model, d_state, expand, d_conv, bytes_per_value)
    return state // per_token + 1
