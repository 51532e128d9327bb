"""Aligns the causal mask with the cached keys instead of the new queries: new token i sees keys 0 .. i only."""
# fails: test-attend-with-cache

# %% attend-with-cache
def attend_with_cache(layer, x_new, cache=None):
    B, T, C = x_new.shape
    q, k, v = layer.qkv(x_new).split(C, dim=-1)
    q, k, v = (t.view(B, T, layer.n_heads, C // layer.n_heads).transpose(1, 2) for t in (q, k, v))
    if cache is not None:
        k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
    mask = torch.ones(T, k.shape[2], dtype=torch.bool).tril()
    y, _ = attention(q, k, v, mask)
    return layer.out(y.transpose(1, 2).reshape(B, T, C)), (k, v)
