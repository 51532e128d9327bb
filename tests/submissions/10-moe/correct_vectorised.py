"""A correct answer written differently: routing with sort, dispatch without a Python
loop over tokens (one-hot counts in priority order, cumsum), the loss from a
one-hot mean, and the layer through a scatter of expert outputs."""

# %% top-k-route
def top_k_route(logits, k):
    probs = logits.softmax(-1)
    values, order = torch.sort(probs, dim=-1, descending=True)
    gates = values[:, :k]
    return order[:, :k], gates / gates.sum(-1, keepdim=True)


# %% dispatch
def dispatch(expert_index, n_experts, capacity):
    T, k = expert_index.shape
    priority = expert_index.t().reshape(-1)  # all first choices (tokens in order), then all second choices ...
    one_hot = torch.nn.functional.one_hot(priority, n_experts)
    position = (one_hot.cumsum(0) * one_hot).sum(-1) - 1  # how many went to the same expert before, this one included
    kept = (position < capacity).reshape(k, T).t()
    slot = torch.where(kept, position.reshape(k, T).t(), torch.full_like(kept, -1, dtype=torch.long))
    return kept, slot


# %% load-balancing-loss
def load_balancing_loss(probs, expert_index, n_experts):
    one_hot = torch.nn.functional.one_hot(expert_index, n_experts).to(probs.dtype)  # (T, k, E)
    f = one_hot.mean(dim=(0, 1))
    return n_experts * torch.dot(f, probs.mean(0))


# %% moe-forward
def moe_forward(x, router_weight, w1, w2, k, capacity):
    E = w1.shape[0]
    index, gates = top_k_route(torch.nn.functional.linear(x, router_weight), k)
    kept, _ = dispatch(index, E, capacity)
    contributions = []
    for e in range(E):
        mask = (index == e) & kept
        rows = mask.any(-1).nonzero().squeeze(-1)
        if rows.numel() == 0:
            continue
        weight = (gates * mask).sum(-1)[rows]  # a token picks an expert at most once
        out = (x[rows] @ w1[e]).clamp(min=0) @ w2[e]
        contributions.append(torch.zeros_like(x).index_put((rows,), weight[:, None] * out))
    return sum(contributions) if contributions else torch.zeros_like(x)
