"""A correct answer written differently from the solution: a loop over the
blocks, scipy.stats.linregress for the fit, and the optimum found numerically
as the root of dL/dlog N along the budget (scipy.optimize.brentq)."""

# %% training-flops
def training_flops(n_params, n_tokens):
    if min(n_params, n_tokens) <= 0:
        raise ValueError("n_params and n_tokens must be positive")
    return float(np.float64(6) * n_params * n_tokens)


# %% gpt-param-count
def gpt_param_count(n_layer, d_model, vocab_size=50257, n_ctx=1024, tied=True):
    for value in (n_layer, d_model, vocab_size, n_ctx):
        if value < 1:
            raise ValueError("every size must be at least 1")

    def linear(n_in, n_out, bias=True):
        return n_in * n_out + (n_out if bias else 0)

    def layer_norm(d):
        return 2 * d

    total = vocab_size * d_model + n_ctx * d_model
    for _ in range(n_layer):
        total += layer_norm(d_model) + linear(d_model, 3 * d_model) + linear(d_model, d_model)
        total += layer_norm(d_model) + linear(d_model, 4 * d_model) + linear(4 * d_model, d_model)
    total += layer_norm(d_model)
    if not tied:
        total += linear(d_model, vocab_size, bias=False)
    return total


# %% fit-power-law
from scipy import stats


def fit_power_law(x, y):
    x = np.array(x, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError("power laws need positive data")
    line = stats.linregress(np.log(x), np.log(y))
    return float(np.exp(line.intercept)), float(-line.slope)


# %% compute-optimal
from scipy import optimize


def compute_optimal(C, A, B, alpha, beta):
    if C <= 0 or A <= 0 or B <= 0 or alpha <= 0 or beta <= 0:
        raise ValueError("all arguments must be positive")
    # L(u) = A exp(-alpha u) + B (C/6)^-beta exp(beta u) with u = log N; its derivative is increasing.
    b_eff = B * (C / 6) ** -beta

    def slope(u):
        return -alpha * A * np.exp(-alpha * u) + beta * b_eff * np.exp(beta * u)

    lo, hi = -50.0, np.log(C / 6) + 50.0
    u = optimize.brentq(slope, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
    N = float(np.exp(u))
    return N, C / (6 * N)
