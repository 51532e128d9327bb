"""Attends to the cached tokens only, appending the new key and value after: the
first token sees nothing and every token misses itself."""
# fails: test-layer-steps

# %% hybrid-stack attention_step
def attention_step(layer, x_t, cache):
    """(y_t, cache): one token (batch, d) through CausalAttention, with the keys and values of earlier tokens."""
    q, k_new, v_new = layer.q(x_t)[:, None], layer.k(x_t)[:, None], layer.v(x_t)[:, None]
    if cache is None:
        return layer.out(torch.zeros_like(x_t)), (k_new, v_new)
    k, v = cache
    weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)
    return layer.out((weights @ v)[:, 0]), (torch.cat([k, k_new], dim=1), torch.cat([v, v_new], dim=1))
