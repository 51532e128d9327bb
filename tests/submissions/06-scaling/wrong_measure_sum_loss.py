"""Reports the sum of squared errors instead of their mean."""
# fails: test-measure-scaling

# %% measure-scaling train_by_gradient_descent
def train_by_gradient_descent(x, y, n, steps=100, lr=0.5):
    """(w, loss): full-batch gradient descent on the mean squared error of the size-n model, from w = 0."""
    phi = fourier_features(x, n)
    w = np.zeros(phi.shape[1])
    for _ in range(steps):
        w = w - lr * 2.0 / len(y) * phi.T @ (phi @ w - y)
    return w, float(np.sum((phi @ w - y) ** 2))
