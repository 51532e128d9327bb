"""Inverts the ratio inside G: (beta B / (alpha A)) instead of (alpha A / (beta B))."""
# fails: test-compute-optimal

# %% compute-optimal
def compute_optimal(C, A, B, alpha, beta):
    if min(C, A, B, alpha, beta) <= 0:
        raise ValueError("C, A, B, alpha and beta must be positive")
    G = (beta * B / (alpha * A)) ** (1.0 / (alpha + beta))
    n_opt = G * (C / 6.0) ** (beta / (alpha + beta))
    return n_opt, C / (6.0 * n_opt)
