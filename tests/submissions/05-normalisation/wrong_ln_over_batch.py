"""Normalises over the first axis (BatchNorm's), not the last."""
# fails: test-layer-norm

# %% layer-norm layer_norm
def layer_norm(x, gamma, beta, eps=1e-5):
    """LayerNorm over the last axis of x, with scale gamma and shift beta (both of shape (d,))."""
    mean = x.mean(axis=0, keepdims=True)
    centred = x - mean
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=0, keepdims=True) + eps)
    return gamma * (centred * inv_std) + beta
