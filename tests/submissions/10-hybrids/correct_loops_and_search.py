"""A correct answer written differently from the solution: the pattern built block by block
with slicing, products from math.prod, and the crossover found by ceiling division on
(state + 1) bytes."""

# %% layer-pattern
def layer_pattern(n_layers, attention_every):
    if not (n_layers >= 1 and attention_every >= 1):
        raise ValueError("need n_layers >= 1 and attention_every >= 1")
    block = ["mamba"] * attention_every
    block[attention_every // 2] = "attention"
    layers = []
    while len(layers) < n_layers:
        layers.extend(block)
    return layers[:n_layers]


# %% kv-cache-bytes
def kv_cache_bytes(n_attention_layers, seq_len, n_kv_heads, head_dim, bytes_per_value=2, batch=1):
    for name, value, low in [("n_attention_layers", n_attention_layers, 0), ("seq_len", seq_len, 0),
                             ("n_kv_heads", n_kv_heads, 1), ("head_dim", head_dim, 1),
                             ("bytes_per_value", bytes_per_value, 1), ("batch", batch, 1)]:
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    keys = math.prod([n_attention_layers, seq_len, n_kv_heads, head_dim, bytes_per_value, batch])
    return keys + keys  # values take as much as keys


# %% ssm-state-bytes
def ssm_state_bytes(n_mamba_layers, d_model, d_state=16, expand=2, d_conv=4, bytes_per_value=2, batch=1):
    if n_mamba_layers < 0 or any(v < 1 for v in (d_model, d_state, expand, d_conv, bytes_per_value, batch)):
        raise ValueError("invalid Mamba configuration")
    d_inner = d_model * expand
    ssm = d_inner * d_state
    conv = d_inner * d_conv
    return (ssm + conv) * bytes_per_value * batch * n_mamba_layers


# %% crossover-length
def crossover_length(n_attention_layers, n_kv_heads, head_dim, n_mamba_layers, d_model, d_state=16, expand=2,
                     d_conv=4, bytes_per_value=2):
    state = ssm_state_bytes(n_mamba_layers, d_model, d_state, expand, d_conv, bytes_per_value)
    per_token = kv_cache_bytes(n_attention_layers, 1, n_kv_heads, head_dim, bytes_per_value)
    if per_token == 0:
        raise ValueError("no attention layers: the cache never grows")
    return -(-(state + 1) // per_token)  # ceil((state + 1) / per_token): the first L with L * per_token > state
