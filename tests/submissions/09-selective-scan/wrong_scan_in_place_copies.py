"""Scans in place on detached copies, as the chapter's benchmark scan does for timing: the values are right,
but autograd cannot see through them, so no gradient reaches a or b."""
# fails: test-gradients

# %% parallel-scan
def parallel_scan(a, b):
    """All h_t of h_t = a_t * h_{t-1} + b_t (h_{-1} = 0) along dim 1, in ceil(log2 L) steps."""
    a, b = a.detach().clone(), b.detach().clone()
    L = b.shape[1]
    shift = 1
    while shift < L:
        b[:, shift:] += a[:, shift:] * b[:, :-shift].clone()
        a[:, shift:] *= a[:, :-shift].clone()
        shift *= 2
    return b
