"""A correct answer written differently: statistics with einsum over the last axis,
the rows flattened to a matrix and reshaped back, and the root mean square from
np.linalg.norm."""

# %% layer-norm
def _rows(a):
    return a.reshape(-1, a.shape[-1])


def layer_norm(x, gamma, beta, eps=1e-5):
    r = _rows(x)
    d = r.shape[1]
    mean = np.einsum("ij->i", r)[:, None] / d
    c = r - mean
    std = np.sqrt(np.einsum("ij,ij->i", c, c)[:, None] / d + eps)
    return (c / std * gamma + beta).reshape(x.shape)


def layer_norm_backward(x, gamma, grad_y, eps=1e-5):
    r, G = _rows(x), _rows(grad_y)
    d = r.shape[1]
    c = r - r.mean(axis=1, keepdims=True)
    std = np.sqrt((c * c).sum(axis=1, keepdims=True) / d + eps)
    x_hat = c / std
    g = G * gamma
    dx = (d * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True)) / (d * std)
    return dx.reshape(x.shape), np.einsum("ij,ij->j", G, x_hat), np.einsum("ij->j", G)


# %% rms-norm
def rms_norm(x, gamma, eps=1e-6):
    d = x.shape[-1]
    rms = np.sqrt(np.linalg.norm(x, axis=-1, keepdims=True) ** 2 / d + eps)
    return gamma * (x / rms)


def rms_norm_backward(x, gamma, grad_y, eps=1e-6):
    d = x.shape[-1]
    rms = np.sqrt(np.linalg.norm(x, axis=-1, keepdims=True) ** 2 / d + eps)
    g = grad_y * gamma
    dx = (g - x * np.sum(g * x, axis=-1, keepdims=True) / (d * rms**2)) / rms
    return dx, (grad_y * x / rms).reshape(-1, d).sum(axis=0)
