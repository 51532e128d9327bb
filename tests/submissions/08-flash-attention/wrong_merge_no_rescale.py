"""Adds the two sums and outputs as they are, forgetting that each was taken
relative to its own maximum."""
# fails: test-merge-states test-flash-values

# %% merge-states
def merge_states(m1, l1, o1, m2, l2, o2):
    return torch.maximum(m1, m2), l1 + l2, o1 + o2
