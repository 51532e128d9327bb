"""Differentiates through the mean but not the variance: the x_hat term is missing."""
# fails: test-layer-norm

# %% layer-norm layer_norm_backward
def layer_norm_backward(x, gamma, grad_y, eps=1e-5):
    """(dL/dx, dL/dgamma, dL/dbeta) of y = layer_norm(x, gamma, beta, eps), given grad_y = dL/dy."""
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + eps)
    x_hat = centred * inv_std
    g = grad_y * gamma
    grad_x = inv_std * (g - g.mean(axis=-1, keepdims=True))
    leading = tuple(range(x.ndim - 1))
    return grad_x, (grad_y * x_hat).sum(axis=leading), grad_y.sum(axis=leading)
