"""A correct answer written differently: matmul with swapped axes, tensordot for the
weight gradient, and the strided input gradient scattered offset by offset into
an array made with np.zeros_like."""

# %% linear
def linear_forward(x, W, b):
    return np.matmul(x, W.swapaxes(0, 1)) + b


def linear_backward(x, W, grad_y):
    return np.matmul(grad_y, W), np.matmul(grad_y.swapaxes(0, 1), x), np.add.reduce(grad_y, axis=0)


# %% conv2d-backward
def conv2d_backward(x, weight, grad_out, stride=1, padding=0):
    sh, sw = as_pair(stride)
    ph, pw = as_pair(padding)
    n, c, h, w = x.shape
    kh, kw = weight.shape[-2:]
    ho, wo = grad_out.shape[-2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant")
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(weight)
    for u in range(kh):
        for v in range(kw):
            patch = xp[:, :, u:u + sh * ho:sh, v:v + sw * wo:sw][:, :, :ho, :wo]
            gw[:, :, u, v] = np.tensordot(grad_out, patch, axes=([0, 2, 3], [0, 2, 3]))
            back = np.tensordot(grad_out, weight[:, :, u, v], axes=([1], [0]))  # (n, ho, wo, c)
            gxp[:, :, u:u + sh * ho:sh, v:v + sw * wo:sw] += np.moveaxis(back, 3, 1)
    return gxp[:, :, ph:ph + h, pw:pw + w], gw, grad_out.sum(axis=0).sum(axis=-1).sum(axis=-1)
