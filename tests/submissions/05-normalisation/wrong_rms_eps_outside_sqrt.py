"""Adds eps to the root mean square instead of the mean square (a row of zeros
still works, the others are off)."""
# fails: test-rms-norm

# %% rms-norm
def rms_norm(x, gamma, eps=1e-6):
    """RMSNorm over the last axis of x, with scale gamma of shape (d,)."""
    return gamma * x / (np.sqrt((x**2).mean(axis=-1, keepdims=True)) + eps)


def rms_norm_backward(x, gamma, grad_y, eps=1e-6):
    """(dL/dx, dL/dgamma) of y = rms_norm(x, gamma, eps), given grad_y = dL/dy."""
    r = (np.sqrt((x**2).mean(axis=-1, keepdims=True)) + eps)
    g = grad_y * gamma
    grad_x = g / r - x * (g * x).mean(axis=-1, keepdims=True) / r**3
    return grad_x, (grad_y * x / r).sum(axis=tuple(range(x.ndim - 1)))
