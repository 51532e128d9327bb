"""PyTorch's fused attention with a mask built from positions; generation into a preallocated tensor."""

# %% attend-with-cache
import torch.nn.functional as F


def attend_with_cache(layer, x_new, cache=None):
    B, T, C = x_new.shape
    heads = layer.n_heads
    q, k, v = (t.reshape(B, T, heads, -1).permute(0, 2, 1, 3) for t in layer.qkv(x_new).chunk(3, dim=-1))
    if cache is not None:
        k, v = torch.cat((cache[0], k), dim=-2), torch.cat((cache[1], v), dim=-2)
    query_positions = torch.arange(k.shape[-2] - T, k.shape[-2])
    mask = torch.arange(k.shape[-2])[None, :] <= query_positions[:, None]
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return layer.out(y.permute(0, 2, 1, 3).reshape(B, T, C)), (k, v)


# %% generate
def generate(model, prompt, n_new, caches=None):
    seen = caches[0][0].shape[-2] if caches else 0
    if not 1 <= n_new <= model.n_ctx - seen - prompt.shape[1] + 1:
        raise ValueError("does not fit the context")
    out = torch.empty(prompt.shape[0], n_new, dtype=torch.long)
    logits, caches = forward_with_cache(model, prompt, caches)
    for i in range(n_new):
        out[:, i] = logits[:, -1].argmax(-1)
        if i + 1 < n_new:
            logits, caches = forward_with_cache(model, out[:, i : i + 1], caches)
    return out, caches
