"""Puts the new keys and values before the cached ones."""
# fails: test-attend-with-cache

# %% attend-with-cache
def attend_with_cache(layer, x_new, cache=None):
    B, T, C = x_new.shape
    q, k, v = layer.qkv(x_new).split(C, dim=-1)
    q, k, v = (t.view(B, T, layer.n_heads, C // layer.n_heads).transpose(1, 2) for t in (q, k, v))
    if cache is not None:
        k, v = torch.cat([k, cache[0]], dim=2), torch.cat([v, cache[1]], dim=2)
    S = k.shape[2] - T
    mask = torch.ones(T, S + T, dtype=torch.bool).tril(diagonal=S)
    y, _ = attention(q, k, v, mask)
    return layer.out(y.transpose(1, 2).reshape(B, T, C)), (k, v)
