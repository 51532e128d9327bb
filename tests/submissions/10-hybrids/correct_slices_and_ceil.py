"""A correct answer written differently: the pattern by slice assignment, the sizes
from named factors, the crossover by integer arithmetic on (state + per_token)."""

# %% layer-pattern
def layer_pattern(n_layers, attention_every):
    if n_layers <= 0 or attention_every <= 0:
        raise ValueError("both must be positive")
    kinds = ["mamba"] * n_layers
    positions = range(attention_every // 2, n_layers, attention_every)
    kinds[attention_every // 2::attention_every] = ["attention"] * len(positions)
    return kinds


# %% kv-cache-bytes
def kv_cache_bytes(n_attention_layers, seq_len, n_kv_heads, head_dim, bytes_per_value=2, batch=1):
    if n_attention_layers < 0 or seq_len < 0:
        raise ValueError("counts must not be negative")
    if n_kv_heads < 1 or head_dim < 1 or bytes_per_value < 1 or batch < 1:
        raise ValueError("sizes must be at least 1")
    keys_and_values = 2
    per_token_per_layer = keys_and_values * n_kv_heads * head_dim * bytes_per_value
    return n_attention_layers * seq_len * batch * per_token_per_layer


# %% ssm-state-bytes
def ssm_state_bytes(n_mamba_layers, d_model, d_state=16, expand=2, d_conv=4, bytes_per_value=2, batch=1):
    if n_mamba_layers < 0:
        raise ValueError("n_mamba_layers must not be negative")
    if any(v < 1 for v in (d_model, d_state, expand, d_conv, bytes_per_value, batch)):
        raise ValueError("sizes must be at least 1")
    values_per_channel = d_state + d_conv
    return n_mamba_layers * batch * (expand * d_model) * values_per_channel * bytes_per_value


# %% crossover-length
def crossover_length(n_attention_layers, n_kv_heads, head_dim, n_mamba_layers, d_model, d_state=16, expand=2,
                     d_conv=4, bytes_per_value=2):
    if n_attention_layers == 0:
        raise ValueError("no attention layer: no crossover")
    per_token = kv_cache_bytes(n_attention_layers, 1, n_kv_heads, head_dim, bytes_per_value)
    state = ssm_state_bytes(n_mamba_layers, d_model, d_state, expand, d_conv, bytes_per_value)
    return (state + per_token) // per_token
