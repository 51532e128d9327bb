"""A correct answer written differently: the convolution of one step as F.conv1d on
the window (groups = channels), the state update with einsum, states from
torch.zeros, and prefill reading the outputs from block(x) and recomputing the
last state."""

# %% mamba-step
def init_state(block, batch):
    dtype = block.out_proj.weight.dtype
    return (torch.zeros(batch, block.d_inner, block.d_conv - 1, dtype=dtype),
            torch.zeros(batch, block.d_inner, block.d_state, dtype=dtype))


def mamba_step(block, x_t, conv_state, ssm_state):
    xz = block.in_proj(x_t)
    x, z = xz[:, :block.d_inner], xz[:, block.d_inner:]
    window = torch.cat((conv_state, x.unsqueeze(-1)), dim=2)
    conv = F.conv1d(window, block.conv1d.weight, block.conv1d.bias, groups=block.d_inner).squeeze(-1)
    u = F.silu(conv)
    proj = block.x_proj(u)
    dt = proj[:, :block.dt_rank]
    B = proj[:, block.dt_rank:block.dt_rank + block.d_state]
    C = proj[:, block.dt_rank + block.d_state:]
    delta = F.softplus(block.dt_proj(dt))
    decay = torch.exp(torch.einsum("bd,dn->bdn", delta, -torch.exp(block.A_log)))
    h = decay * ssm_state + torch.einsum("bd,bn->bdn", delta * u, B)
    y = torch.einsum("bdn,bn->bd", h, C) + u * block.D
    return block.out_proj(y * F.silu(z)), window[:, :, 1:], h


# %% prefill
def prefill(block, x):
    batch, L, _ = x.shape
    inputs = block.in_proj(x)[..., :block.d_inner].transpose(1, 2)  # (batch, d_inner, L)
    history = torch.cat([inputs.new_zeros(batch, block.d_inner, block.d_conv - 1), inputs], dim=2)
    conv_state = history[:, :, history.shape[2] - (block.d_conv - 1):]
    u = F.silu(block.conv1d(inputs)[..., :L]).transpose(1, 2)
    dt, B, C = torch.split(block.x_proj(u), [block.dt_rank, block.d_state, block.d_state], dim=-1)
    delta = F.softplus(block.dt_proj(dt))
    A = -block.A_log.exp()
    h = u.new_zeros(batch, block.d_inner, block.d_state)
    for t in range(L):
        h = torch.exp(delta[:, t].unsqueeze(-1) * A) * h + torch.einsum("bd,bn->bdn", delta[:, t] * u[:, t], B[:, t])
    return block(x), conv_state, h
