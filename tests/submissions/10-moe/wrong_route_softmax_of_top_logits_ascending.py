"""Takes the k experts from an ascending sort, so the chosen experts come in increasing
order of probability."""
# fails: test-top-k-route

# %% top-k-route
def top_k_route(logits, k):
    probs = torch.softmax(logits, dim=-1)
    order = probs.argsort(dim=-1)[:, -k:]  # the k largest, smallest first
    top_p = probs.gather(-1, order)
    return order, top_p / top_p.sum(dim=-1, keepdim=True)
