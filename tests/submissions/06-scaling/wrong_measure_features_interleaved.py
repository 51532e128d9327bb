"""Interleaves the columns (cos x, sin x, cos 2x, ...) instead of all cosines, then all
sines: the same model, other weights."""
# fails: test-measure-scaling

# %% measure-scaling fourier_features
def fourier_features(x, n):
    """(len(x), 2n): cos(k x) for k = 1..n, then sin(k x) for k = 1..n."""
    k = np.arange(1, n + 1)
    angles = np.outer(x, k)
    return np.stack([np.cos(angles), np.sin(angles)], axis=2).reshape(len(x), 2 * n)
