"""Feeds the whole text so far at every step, on top of the cache that already holds it."""
# fails: test-generate

# %% generate
def generate(model, prompt, n_new, caches=None):
    S = 0 if caches is None else caches[0][0].shape[2]
    if n_new < 1 or S + prompt.shape[1] + n_new - 1 > model.n_ctx:
        raise ValueError("does not fit")
    ids = prompt
    logits, caches = forward_with_cache(model, ids, caches)
    for i in range(n_new):
        ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        if i + 1 < n_new:
            logits, caches = forward_with_cache(model, ids[:, 1:], caches)
    return ids[:, prompt.shape[1]:], caches
