"""Counts the capacity over all experts together instead of per expert."""
# fails: test-dispatch

# %% dispatch
def dispatch(expert_index, n_experts, capacity):
    T, k = expert_index.shape
    kept = torch.zeros(T, k, dtype=torch.bool)
    slot = torch.full((T, k), -1, dtype=torch.long)
    load, total = [0] * n_experts, 0
    for choice in range(k):
        for token in range(T):
            expert = int(expert_index[token, choice])
            if total < capacity:
                kept[token, choice] = True
                slot[token, choice] = load[expert]
                load[expert] += 1
                total += 1
    return kept, slot
