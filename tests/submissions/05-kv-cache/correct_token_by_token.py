"""Feeds several new tokens one at a time (a single query may see every key, so no mask is needed); explicit heads."""

# %% attend-with-cache
def attend_with_cache(layer, x_new, cache=None):
    B, T, C = x_new.shape
    d_head = C // layer.n_heads
    outputs = []
    for t in range(T):
        qkv = layer.qkv(x_new[:, t])  # (B, 3C)
        q, k, v = (qkv[:, i * C : (i + 1) * C].reshape(B, layer.n_heads, 1, d_head) for i in range(3))
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        cache = (k, v)
        weights = torch.softmax(torch.einsum("bhqd,bhkd->bhqk", q, k) / d_head ** 0.5, dim=-1)
        outputs.append(torch.einsum("bhqk,bhkd->bhqd", weights, v).reshape(B, C))
    return layer.out(torch.stack(outputs, dim=1)), cache


# %% forward-with-cache
def forward_with_cache(model, idx_new, caches=None):
    start = caches[0][0].size(2) if caches else 0
    stop = start + idx_new.size(1)
    if stop > model.n_ctx:
        raise ValueError(f"positions up to {stop - 1} do not exist in a context of {model.n_ctx}")
    x = model.wte(idx_new) + model.wpe.weight[start:stop]
    caches = list(caches) if caches else [None] * len(model.blocks)
    for i, block in enumerate(model.blocks):
        attended, caches[i] = attend_with_cache(block.attn, block.ln1(x), caches[i])
        x = x + attended
        x = x + block.mlp(block.ln2(x))
    return model.ln_f(x) @ model.wte.weight.T, caches
