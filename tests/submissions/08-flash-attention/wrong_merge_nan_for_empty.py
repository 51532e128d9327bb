"""The textbook update, with no care for the empty state: exp(-inf - -inf) is NaN,
and every query starts from the empty state."""
# fails: test-merge-states

# %% merge-states
def merge_states(m1, l1, o1, m2, l2, o2):
    m = torch.maximum(m1, m2)
    w1, w2 = torch.exp(m1 - m), torch.exp(m2 - m)
    return m, w1 * l1 + w2 * l2, w1[..., None] * o1 + w2[..., None] * o2
