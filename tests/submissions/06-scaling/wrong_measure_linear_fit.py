"""Fits a straight line to the losses against the sizes, not in log-log space."""
# fails: test-measure-scaling

# %% measure-scaling scaling_exponent
def scaling_exponent(sizes, decay, seed=0):
    """The exponent alpha of loss ~ a n^-alpha, fitted to models of the given sizes trained on make_task."""
    x, y = make_task(decay=decay, seed=seed)
    losses = [train_by_gradient_descent(x, y, n)[1] for n in sizes]
    return float(-np.polyfit(np.asarray(sizes, dtype=float), np.asarray(losses), 1)[0])
