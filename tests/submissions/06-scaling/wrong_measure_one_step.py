"""Measures models after a single step of training: the losses are not yet those of
the models' sizes."""
# fails: test-measure-scaling

# %% measure-scaling scaling_exponent
def scaling_exponent(sizes, decay, seed=0):
    """The exponent alpha of loss ~ a n^-alpha, fitted to models of the given sizes trained on make_task."""
    x, y = make_task(decay=decay, seed=seed)
    losses = [train_by_gradient_descent(x, y, n, steps=1)[1] for n in sizes]
    return float(fit_power_law(np.asarray(sizes, dtype=float), np.asarray(losses))[1])
