"""Feeds the last new token too, so the caches hold one token more and the context runs out one token early."""
# fails: test-generate

# %% generate
def generate(model, prompt, n_new, caches=None):
    S = 0 if caches is None else caches[0][0].shape[2]
    if n_new < 1 or S + prompt.shape[1] + n_new > model.n_ctx:
        raise ValueError("does not fit")
    logits, caches = forward_with_cache(model, prompt, caches)
    new_ids = []
    for _ in range(n_new):
        new_ids.append(logits[:, -1].argmax(-1, keepdim=True))
        logits, caches = forward_with_cache(model, new_ids[-1], caches)
    return torch.cat(new_ids, dim=1), caches
