"""Fits in log10 but undoes the intercept with exp: alpha is right, a is not."""
# fails: test-fit-power-law

# %% fit-power-law
def fit_power_law(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power law needs positive x and y")
    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)
    return float(np.exp(intercept)), float(-slope)
