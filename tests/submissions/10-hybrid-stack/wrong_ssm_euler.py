"""Discretises A with Euler's 1 + delta A instead of exp(delta A)."""
# fails: test-layer-steps

# %% hybrid-stack ssm_step
def ssm_step(layer, x_t, h):
    """(y_t, h): one token (batch, d) through SelectiveSSM, with its state h (batch, d, d_state) or None."""
    if h is None:
        h = x_t.new_zeros(x_t.shape[0], x_t.shape[1], layer.d_state)
    delta = F.softplus(layer.to_delta(x_t))
    B, C = layer.to_B(x_t), layer.to_C(x_t)
    h = (1 + delta[..., None] * -torch.exp(layer.A_log)) * h + (delta * x_t)[..., None] * B[:, None, :]
    return (h * C[:, None, :]).sum(-1) + layer.D * x_t, h
