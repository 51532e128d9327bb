"""Takes D_opt = C / N_opt, forgetting the 6 of C = 6ND."""
# fails: test-compute-optimal

# %% compute-optimal
def compute_optimal(C, A, B, alpha, beta):
    if min(C, A, B, alpha, beta) <= 0:
        raise ValueError("C, A, B, alpha and beta must be positive")
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    n_opt = G * (C / 6.0) ** (beta / (alpha + beta))
    return n_opt, C / n_opt
