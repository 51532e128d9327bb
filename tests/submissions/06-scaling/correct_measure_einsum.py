"""A correct answer written differently: features from broadcasting and hstack, the
gradient with einsum, and the exponent from a log-log fit of its own."""

# %% measure-scaling
def fourier_features(x, n):
    k = np.arange(1, n + 1)[None, :]
    return np.hstack((np.cos(x[:, None] * k), np.sin(x[:, None] * k)))


def train_by_gradient_descent(x, y, n, steps=100, lr=0.5):
    features = fourier_features(x, n)
    weights = np.zeros(2 * n)
    for _ in range(steps):
        residual = np.einsum("pf,f->p", features, weights) - y
        weights -= lr * (2 / y.size) * np.einsum("pf,p->f", features, residual)
    residual = features @ weights - y
    return weights, float(residual @ residual / y.size)


def scaling_exponent(sizes, decay, seed=0):
    x, y = make_task(decay=decay, seed=seed)
    log_losses = np.log([train_by_gradient_descent(x, y, int(n))[1] for n in sizes])
    slope = np.polyfit(np.log(np.asarray(sizes, dtype=float)), log_losses, 1)[0]
    return float(-slope)
