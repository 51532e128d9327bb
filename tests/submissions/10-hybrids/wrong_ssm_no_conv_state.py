"""Counts the SSM state only, forgetting the convolution state."""
# fails: test-ssm-state-bytes test-crossover-length

# %% ssm-state-bytes
def ssm_state_bytes(n_mamba_layers, d_model, d_state=16, expand=2, d_conv=4, bytes_per_value=2, batch=1):
    if n_mamba_layers < 0:
        raise ValueError("n_mamba_layers must be >= 0")
    if min(d_model, d_state, expand, d_conv, bytes_per_value, batch) < 1:
        raise ValueError("d_model, d_state, expand, d_conv, bytes_per_value and batch must be >= 1")
    return n_mamba_layers * batch * bytes_per_value * expand * d_model * d_state
