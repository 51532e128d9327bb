"""A correct answer written differently: the top-k softmax taken over the k largest
logits (the same gates, Mixtral's way), dispatch with a dictionary of loads, and
the layer gathering each expert's tokens into a list."""

# %% top-k-route
def top_k_route(logits, k):
    top_logits, top_i = torch.topk(logits, k, dim=1)
    return top_i, torch.softmax(top_logits, dim=1)  # softmax over the kept logits: the renormalised probabilities


# %% dispatch
def dispatch(expert_index, n_experts, capacity):
    kept = torch.zeros_like(expert_index, dtype=torch.bool)
    slot = -torch.ones_like(expert_index)
    loads = {}
    for j in range(expert_index.shape[1]):
        for t in range(expert_index.shape[0]):
            e = expert_index[t, j].item()
            n = loads.get(e, 0)
            if n < capacity:
                kept[t, j], slot[t, j], loads[e] = True, n, n + 1
    return kept, slot


# %% moe-forward
def moe_forward(x, router_weight, w1, w2, k, capacity):
    index, gates = top_k_route(x @ router_weight.t(), k)
    kept, _ = dispatch(index, router_weight.shape[0], capacity)
    rows = [[] for _ in range(x.shape[0])]
    for e in range(router_weight.shape[0]):
        pairs = [(t, j) for t in range(x.shape[0]) for j in range(k) if index[t, j] == e and kept[t, j]]
        if not pairs:
            continue
        tokens = torch.tensor([t for t, _ in pairs])
        hidden = torch.relu(torch.matmul(x[tokens], w1[e]))
        outs = torch.matmul(hidden, w2[e])
        for n, (t, j) in enumerate(pairs):
            rows[t].append(gates[t, j] * outs[n])
    return torch.stack([torch.stack(r).sum(0) if r else x.new_zeros(x.shape[1]) for r in rows])
