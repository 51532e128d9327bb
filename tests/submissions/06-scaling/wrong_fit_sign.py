"""Returns the slope of the log-log line as alpha, forgetting that y = a x^-alpha
has slope -alpha."""
# fails: test-fit-power-law

# %% fit-power-law
def fit_power_law(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power law needs positive x and y")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(intercept)), float(slope)
