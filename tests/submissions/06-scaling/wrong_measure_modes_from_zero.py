"""Takes the modes k = 0, ..., n - 1: a constant column and one mode too few."""
# fails: test-measure-scaling

# %% measure-scaling fourier_features
def fourier_features(x, n):
    """(len(x), 2n): cos(k x) for k = 1..n, then sin(k x) for k = 1..n."""
    k = np.arange(n)
    angles = np.outer(x, k)
    return np.concatenate([np.cos(angles), np.sin(angles)], axis=1)
