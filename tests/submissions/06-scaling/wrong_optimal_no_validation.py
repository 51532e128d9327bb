"""Never checks its arguments: a zero budget gives N_opt = D_opt = 0 (or a
ZeroDivisionError), negative ones give NaN or complex numbers."""
# fails: test-compute-optimal-errors

# %% compute-optimal
def compute_optimal(C, A, B, alpha, beta):
    with np.errstate(all="ignore"):
        G = np.power(np.float64(alpha * A / (beta * B)), 1.0 / (alpha + beta))
        n_opt = G * np.power(np.float64(C / 6.0), beta / (alpha + beta))
        return float(n_opt), float(np.float64(C) / (6.0 * n_opt))
