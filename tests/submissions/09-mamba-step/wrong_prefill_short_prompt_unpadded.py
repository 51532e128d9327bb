"""Takes the last d_conv - 1 inputs without padding: a prompt shorter than that
gives a state too narrow."""
# fails: test-prefill

# %% prefill
def prefill(block, x):
    """(block(x), conv_state, ssm_state after the last token of x) for a prompt x of shape (batch, L, d_model)."""
    L, k = x.shape[1], block.d_conv
    xs, z = block.in_proj(x).chunk(2, dim=-1)
    conv_state = xs.transpose(1, 2)[..., -(k - 1):] if k > 1 else xs.new_zeros(x.shape[0], block.d_inner, 0)
    u = F.silu(block.conv1d(xs.transpose(1, 2))[..., :L].transpose(1, 2))
    dt, B, C = block.x_proj(u).split([block.dt_rank, block.d_state, block.d_state], dim=-1)
    delta = F.softplus(block.dt_proj(dt))
    A = -torch.exp(block.A_log)
    h = u.new_zeros(x.shape[0], block.d_inner, block.d_state)
    ys = []
    for t in range(L):
        h = torch.exp(delta[:, t, :, None] * A) * h + (delta[:, t] * u[:, t])[..., None] * B[:, t, None, :]
        ys.append((h * C[:, t, None, :]).sum(-1) + block.D * u[:, t])
    y = torch.stack(ys, dim=1)
    return block.out_proj(y * F.silu(z)), conv_state, h
