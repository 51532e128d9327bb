"""Reports the sum of squared errors instead of their mean."""
# fails: test-measure-scaling

# %% measure-scaling
def fourier_features(x, n):
    """(len(x), 2n): cos(k x) for k = 1..n, then sin(k x) for k = 1..n."""
    k = np.arange(1, n + 1)
    angles = np.outer(x, k)
    return np.concatenate([np.cos(angles), np.sin(angles)], axis=1)


def train_by_gradient_descent(x, y, n, steps=100, lr=0.5):
    """(w, loss): full-batch gradient descent on the mean squared error of the size-n model, from w = 0."""
    phi = fourier_features(x, n)
    w = np.zeros(phi.shape[1])
    for _ in range(steps):
        w = w - lr * 2.0 / len(y) * phi.T @ (phi @ w - y)
    return w, float(np.sum((phi @ w - y) ** 2))


def scaling_exponent(sizes, decay, seed=0):
    """The exponent alpha of loss ~ a n^-alpha, fitted to models of the given sizes trained on make_task."""
    x, y = make_task(decay=decay, seed=seed)
    losses = [train_by_gradient_descent(x, y, n)[1] for n in sizes]
    return float(fit_power_law(np.asarray(sizes, dtype=float), np.asarray(losses))[1])
