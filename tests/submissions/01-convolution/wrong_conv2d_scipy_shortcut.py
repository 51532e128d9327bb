"""The forbidden shortcut: scipy.signal.correlate for every (image, filter) pair, then
strides by slicing. Right values; scipy reads the watched arrays out to do it."""
# fails: test-conv2d-by-hand

# %% conv2d
from scipy import signal


def conv2d(x, weight, bias=None, stride=1, padding=0):
    if x.shape[1] != weight.shape[1]:
        raise ValueError("channels differ")
    sh, sw = as_pair(stride)
    ph, pw = as_pair(padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.stack([np.stack([signal.correlate(padded[i], weight[o], mode="valid")[0]
                              for o in range(weight.shape[0])]) for i in range(x.shape[0])])
    out = out[:, :, ::sh, ::sw]
    if bias is not None:
        out = out + np.asarray(bias).reshape(1, -1, 1, 1)
    return out
