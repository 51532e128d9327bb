"""Never checks its inputs: the logarithm of a zero or negative number gives
-inf or NaN, and the fit returns NaN instead of raising."""
# fails: test-fit-power-law-errors

# %% fit-power-law
def fit_power_law(x, y):
    with np.errstate(all="ignore"):
        lx, ly = np.log(x), np.log(y)
        slope = np.sum((lx - lx.mean()) * (ly - ly.mean())) / np.sum((lx - lx.mean()) ** 2)
        intercept = ly.mean() - slope * lx.mean()
    return float(np.exp(intercept)), float(-slope)
