"""Checks that x is positive but not y."""
# fails: test-fit-power-law-errors

# %% fit-power-law
def fit_power_law(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(x <= 0):
        raise ValueError("x must be positive")
    lx = np.log(x)
    with np.errstate(all="ignore"):
        ly = np.log(y)
        slope = np.cov(lx, ly, bias=True)[0, 1] / np.var(lx)
        intercept = ly.mean() - slope * lx.mean()
    return float(np.exp(intercept)), float(-slope)
