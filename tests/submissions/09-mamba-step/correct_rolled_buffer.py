"""A correct answer written differently: the convolution state as a rolling buffer
(roll, then the newest input written into a copy), the taps applied one by one,
and prefill by stepping through the prompt from the empty state (the slow way the
task text allows)."""

# %% mamba-step
def init_state(block, batch):
    p = next(block.parameters())
    return p.new_zeros((batch, block.d_inner, block.d_conv - 1)), p.new_zeros((batch, block.d_inner, block.d_state))


def mamba_step(block, x_t, conv_state, ssm_state):
    x, z = block.in_proj(x_t).chunk(2, dim=-1)
    weight = block.conv1d.weight.squeeze(1)  # (d_inner, d_conv): the last tap meets the newest input
    acc = block.conv1d.bias + weight[:, -1] * x
    for j in range(block.d_conv - 1):
        acc = acc + weight[:, j] * conv_state[..., j]
    if block.d_conv > 1:
        new_conv = conv_state.roll(-1, dims=-1).clone()
        new_conv[..., -1] = x
    else:
        new_conv = conv_state.clone()
    u = F.silu(acc)
    dt, B, C = block.x_proj(u).split([block.dt_rank, block.d_state, block.d_state], dim=-1)
    delta = F.softplus(block.dt_proj(dt)).unsqueeze(-1)  # (batch, d_inner, 1)
    h = (delta * -block.A_log.exp()).exp() * ssm_state + delta * u.unsqueeze(-1) * B.unsqueeze(1)
    y = (h @ C.unsqueeze(-1)).squeeze(-1) + block.D * u
    return block.out_proj(y * F.silu(z)), new_conv, h


# %% prefill
def prefill(block, x):
    conv_state, ssm_state = init_state(block, x.shape[0])
    ys = []
    for t in range(x.shape[1]):
        y, conv_state, ssm_state = mamba_step(block, x[:, t], conv_state, ssm_state)
        ys.append(y)
    return torch.stack(ys, dim=1), conv_state, ssm_state


# %% state-bytes
def state_bytes(block, batch, bytes_per_element):
    conv_state, ssm_state = init_state(block, batch)
    return (conv_state.numel() + ssm_state.numel()) * bytes_per_element
