"""Counts the keys only, forgetting the values (no factor 2)."""
# fails: test-kv-cache-bytes test-crossover-length

# %% kv-cache-bytes
def kv_cache_bytes(n_attention_layers, seq_len, n_kv_heads, head_dim, bytes_per_value=2, batch=1):
    if n_attention_layers < 0 or seq_len < 0:
        raise ValueError("n_attention_layers and seq_len must be >= 0")
    if min(n_kv_heads, head_dim, bytes_per_value, batch) < 1:
        raise ValueError("n_kv_heads, head_dim, bytes_per_value and batch must be >= 1")
    return n_attention_layers * seq_len * n_kv_heads * head_dim * bytes_per_value * batch
