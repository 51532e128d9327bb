"""A correct answer written differently from the solution: math.floor on a true
division, explicit zero padding into an array made like x (np.zeros_like), every window taken at
stride 1 with sliding_window_view and then subsampled, one tensordot, and the
arithmetic done in float64 whatever the input dtype (a float64 result for float32
inputs is within the tolerance)."""

# %% conv-output-size
import math


def conv_output_size(size, kernel, stride=1, padding=0):
    return math.floor((size + 2 * padding - kernel) / stride) + 1


# %% conv2d
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(x, weight, bias=None, stride=1, padding=0):
    if x.shape[1] != weight.shape[1]:
        raise ValueError("channel mismatch between input and weight")
    sh, sw = (stride, stride) if np.isscalar(stride) else tuple(stride)
    ph, pw = (padding, padding) if np.isscalar(padding) else tuple(padding)
    n, c, h, w = x.shape
    padded = np.zeros_like(x, shape=(n, c, h + 2 * ph, w + 2 * pw), dtype=np.float64)
    padded[:, :, ph:ph + h, pw:pw + w] = x
    kh, kw = weight.shape[2:]
    windows = sliding_window_view(padded, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]  # (n, c, ho, wo, kh, kw)
    out = np.tensordot(windows, weight.astype(np.float64), axes=([1, 4, 5], [1, 2, 3]))  # (n, ho, wo, o)
    if bias is not None:
        out = out + bias
    return out.transpose(0, 3, 1, 2)
