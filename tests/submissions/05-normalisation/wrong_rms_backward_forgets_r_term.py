"""Treats r as a constant in the backward pass: dL/dx = g / r."""
# fails: test-rms-norm

# %% rms-norm rms_norm_backward
def rms_norm_backward(x, gamma, grad_y, eps=1e-6):
    """(dL/dx, dL/dgamma) of y = rms_norm(x, gamma, eps), given grad_y = dL/dy."""
    r = np.sqrt((x**2).mean(axis=-1, keepdims=True) + eps)
    g = grad_y * gamma
    grad_x = g / r
    return grad_x, (grad_y * x / r).sum(axis=tuple(range(x.ndim - 1)))
