"""Caches the queries in place of the keys."""
# fails: test-attend-with-cache

# %% attend-with-cache
def attend_with_cache(layer, x_new, cache=None):
    B, T, C = x_new.shape
    q, k, v = layer.qkv(x_new).split(C, dim=-1)
    q, k, v = (t.view(B, T, layer.n_heads, C // layer.n_heads).transpose(1, 2) for t in (q, k, v))
    keys, values = (k, v) if cache is None else (torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2))
    S = keys.shape[2] - T
    mask = torch.ones(T, S + T, dtype=torch.bool).tril(diagonal=S)
    y, _ = attention(q, keys, values, mask)
    stored = q if cache is None else torch.cat([cache[0], q], dim=2)
    return layer.out(y.transpose(1, 2).reshape(B, T, C)), (stored, values)
