"""Fits y = a x^-alpha by nonlinear least squares on y itself, not on log y:
the same answer on exact data, a different one on noisy data."""
# fails: test-fit-power-law

# %% fit-power-law
import warnings

from scipy.optimize import curve_fit


def fit_power_law(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power law needs positive x and y")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)  # start from the log-log fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (a, alpha), _ = curve_fit(lambda x, a, alpha: a * x**-alpha, x, y, p0=(np.exp(intercept), -slope), maxfev=20000)
    return float(a), float(alpha)
