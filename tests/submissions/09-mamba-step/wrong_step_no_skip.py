"""Forgets the skip connection D x."""
# fails: test-mamba-step

# %% mamba-step mamba_step
def mamba_step(block, x_t, conv_state, ssm_state):
    """One token (batch, d_model) through the block: (y_t, new conv_state, new ssm_state)."""
    x, z = block.in_proj(x_t).chunk(2, dim=-1)  # (batch, d_inner) each
    window = torch.cat([conv_state, x[..., None]], dim=-1)  # (batch, d_inner, d_conv): oldest first
    x = F.silu((window * block.conv1d.weight[:, 0, :]).sum(-1) + block.conv1d.bias)
    dt, B, C = block.x_proj(x).split([block.dt_rank, block.d_state, block.d_state], dim=-1)
    delta = F.softplus(block.dt_proj(dt))  # (batch, d_inner)
    A = -torch.exp(block.A_log)
    h = torch.exp(delta[..., None] * A) * ssm_state + (delta * x)[..., None] * B[:, None, :]
    y = (h * C[:, None, :]).sum(-1)
    return block.out_proj(y * F.silu(z)), window[..., 1:], h
