"""Caches the queries instead of the keys."""
# fails: test-layer-steps

# %% hybrid-stack attention_step
def attention_step(layer, x_t, cache):
    """(y_t, cache): one token (batch, d) through CausalAttention, with the keys and values of earlier tokens."""
    q, k, v = layer.q(x_t)[:, None], layer.k(x_t)[:, None], layer.v(x_t)[:, None]  # (batch, 1, d)
    if cache is not None:
        k, v = torch.cat([cache[0], q], dim=1), torch.cat([cache[1], v], dim=1)
    weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)  # (batch, 1, t + 1)
    return layer.out((weights @ v)[:, 0]), (k, v)
