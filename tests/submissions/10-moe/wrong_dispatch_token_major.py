"""Gives priority token by token (a token's second choice before the next token's
first), not all first choices first."""
# fails: test-dispatch

# %% dispatch
def dispatch(expert_index, n_experts, capacity):
    """(kept, slot): which assignments fit in their expert's capacity, first choices first, tokens in order."""
    T, k = expert_index.shape
    kept = torch.zeros(T, k, dtype=torch.bool)
    slot = torch.full((T, k), -1, dtype=torch.long)
    load = [0] * n_experts
    for token in range(T):
        for choice in range(k):
            expert = int(expert_index[token, choice])
            if load[expert] < capacity:
                kept[token, choice] = True
                slot[token, choice] = load[expert]
                load[expert] += 1
    return kept, slot
