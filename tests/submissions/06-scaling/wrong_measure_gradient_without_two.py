"""Forgets the 2 of the squared error's gradient: still converges in 100 steps, but
not along the same path."""
# fails: test-measure-scaling

# %% measure-scaling train_by_gradient_descent
def train_by_gradient_descent(x, y, n, steps=100, lr=0.5):
    """(w, loss): full-batch gradient descent on the mean squared error of the size-n model, from w = 0."""
    phi = fourier_features(x, n)
    w = np.zeros(phi.shape[1])
    for _ in range(steps):
        w = w - lr / len(y) * phi.T @ (phi @ w - y)
    return w, float(np.mean((phi @ w - y) ** 2))
