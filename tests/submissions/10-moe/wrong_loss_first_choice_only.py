"""Counts f from each token's first choice only (the Switch Transformer's top-1
form), not from all k assignments."""
# fails: test-load-balancing-loss

# %% load-balancing-loss
def load_balancing_loss(probs, expert_index, n_experts):
    """E * sum_i f_i P_i: f from the assignments (before capacity), P the mean router probability."""
    counts = torch.bincount(expert_index[:, 0], minlength=n_experts)
    f = counts.to(probs.dtype) / expert_index.shape[0]
    return n_experts * (f * probs.mean(dim=0)).sum()
