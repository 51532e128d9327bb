"""Uses the router probability for f too (E sum P_i^2): smooth, but not the
assignments the rule counts."""
# fails: test-load-balancing-loss

# %% load-balancing-loss
def load_balancing_loss(probs, expert_index, n_experts):
    """E * sum_i f_i P_i: f from the assignments (before capacity), P the mean router probability."""
    counts = torch.bincount(expert_index.reshape(-1), minlength=n_experts)
    f = probs.mean(dim=0)
    return n_experts * (f * probs.mean(dim=0)).sum()
