"""Applies the scan operator in the wrong order: (a1, b1) . (a2, b2) = (a1 a2, a1 b2 + b1)."""
# fails: test-parallel-scan-values

# %% parallel-scan
def parallel_scan(a, b):
    L = b.shape[1]
    shift = 1
    while shift < L:
        a_prev = torch.cat([torch.ones_like(a[:, :shift]), a[:, :-shift]], dim=1)
        b_prev = torch.cat([torch.zeros_like(b[:, :shift]), b[:, :-shift]], dim=1)
        b = a_prev * b + b_prev
        a = a * a_prev
        shift *= 2
    return b
