"""Forgets the factor E: the uniform router scores 1 / E instead of 1."""
# fails: test-load-balancing-loss

# %% load-balancing-loss
def load_balancing_loss(probs, expert_index, n_experts):
    """E * sum_i f_i P_i: f from the assignments (before capacity), P the mean router probability."""
    counts = torch.bincount(expert_index.reshape(-1), minlength=n_experts)
    f = counts.to(probs.dtype) / expert_index.numel()
    return (f * probs.mean(dim=0)).sum()
