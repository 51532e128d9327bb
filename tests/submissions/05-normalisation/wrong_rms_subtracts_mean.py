"""Centres x before taking its root mean square: LayerNorm without beta, not RMSNorm."""
# fails: test-rms-norm

# %% rms-norm rms_norm
def rms_norm(x, gamma, eps=1e-6):
    """RMSNorm over the last axis of x, with scale gamma of shape (d,)."""
    c = x - x.mean(axis=-1, keepdims=True)
    return gamma * c / np.sqrt((c**2).mean(axis=-1, keepdims=True) + eps)
