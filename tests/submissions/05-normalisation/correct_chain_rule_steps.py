"""A correct answer written differently: np.var, and the backward pass as the
classic step-by-step chain rule through the variance and the mean; RMSNorm's
backward as the same steps without the mean."""

# %% layer-norm
def layer_norm(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def layer_norm_backward(x, gamma, grad_y, eps=1e-5):
    d = x.shape[-1]
    mu = np.mean(x, axis=-1, keepdims=True)
    xc = x - mu
    var = np.mean(xc * xc, axis=-1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = xc / std
    dx_hat = grad_y * gamma
    dvar = np.sum(dx_hat * xc, axis=-1, keepdims=True) * -0.5 * std**-3
    dmu = -np.sum(dx_hat, axis=-1, keepdims=True) / std - 2.0 * dvar * np.mean(xc, axis=-1, keepdims=True)
    dx = dx_hat / std + dvar * 2.0 * xc / d + dmu / d
    rows = grad_y.reshape(-1, d)
    return dx, np.sum((grad_y * x_hat).reshape(-1, d), axis=0), np.sum(rows, axis=0)


# %% rms-norm
def rms_norm(x, gamma, eps=1e-6):
    ms = np.mean(np.square(x), axis=-1, keepdims=True)
    return x * (ms + eps) ** -0.5 * gamma


def rms_norm_backward(x, gamma, grad_y, eps=1e-6):
    d = x.shape[-1]
    ms = np.mean(np.square(x), axis=-1, keepdims=True)
    inv = (ms + eps) ** -0.5
    dx_scaled = grad_y * gamma
    dms = np.sum(dx_scaled * x, axis=-1, keepdims=True) * -0.5 * inv**3
    dx = dx_scaled * inv + dms * 2.0 * x / d
    return dx, np.sum((grad_y * x * inv).reshape(-1, d), axis=0)
