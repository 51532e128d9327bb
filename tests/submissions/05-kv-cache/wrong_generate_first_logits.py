"""Reads the prediction at the first position of the prompt, not the last."""
# fails: test-generate

# %% generate
def generate(model, prompt, n_new, caches=None):
    S = 0 if caches is None else caches[0][0].shape[2]
    if n_new < 1 or S + prompt.shape[1] + n_new - 1 > model.n_ctx:
        raise ValueError("does not fit")
    logits, caches = forward_with_cache(model, prompt, caches)
    new_ids = [logits[:, 0].argmax(-1, keepdim=True)]
    for _ in range(n_new - 1):
        logits, caches = forward_with_cache(model, new_ids[-1], caches)
        new_ids.append(logits[:, 0].argmax(-1, keepdim=True))
    return torch.cat(new_ids, dim=1), caches
