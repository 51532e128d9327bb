"""Uses the top-k probabilities as gates without renormalising them to sum to one."""
# fails: test-top-k-route test-moe-forward

# %% top-k-route
def top_k_route(logits, k):
    """(expert_index, gates) of shape (T, k): each token's k most probable experts, and their renormalised probabilities."""
    probs = torch.softmax(logits, dim=-1)
    top_p, top_i = probs.topk(k, dim=-1)
    return top_i, top_p
