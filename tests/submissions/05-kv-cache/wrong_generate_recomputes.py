"""The shortcut: reruns the model on the whole text for every token, ignoring the caches it is given."""
# fails: test-generate

# %% generate
def generate(model, prompt, n_new, caches=None):
    S = 0 if caches is None else caches[0][0].shape[2]
    if n_new < 1 or S + prompt.shape[1] + n_new - 1 > model.n_ctx:
        raise ValueError("does not fit")
    ids = prompt
    for _ in range(n_new):
        ids = torch.cat([ids, model(ids)[:, -1].argmax(-1, keepdim=True)], dim=1)
    _, caches = forward_with_cache(model, ids[:, :-1], caches)
    return ids[:, prompt.shape[1]:], caches
