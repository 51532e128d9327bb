"""A correct answer written differently: gradients with np.dot and explicit
transposes, and the convolution's gradients from a loop over output positions
(not kernel offsets), each window's share added with einsum."""

# %% linear
def linear_forward(x, W, b):
    return np.dot(x, np.transpose(W)) + b[None, :]


def linear_backward(x, W, grad_y):
    grad_x = np.dot(grad_y, W)
    grad_W = np.dot(np.transpose(grad_y), x)
    grad_b = np.sum(grad_y, axis=0)
    return grad_x, grad_W, grad_b


# %% linear-flops
def linear_flops(batch, n_in, n_out):
    multiply_adds = batch * n_in * n_out
    return 2 * multiply_adds, 2 * 2 * multiply_adds


# %% conv2d-backward
def conv2d_backward(x, weight, grad_out, stride=1, padding=0):
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    _, _, kh, kw = weight.shape
    padded = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    d_padded = np.zeros_like(padded)
    d_weight = np.zeros_like(weight)
    for i in range(grad_out.shape[2]):
        for j in range(grad_out.shape[3]):
            top, left = i * sh, j * sw
            g = grad_out[:, :, i, j]  # (n, o)
            d_weight += np.einsum("no,nckl->ockl", g, padded[:, :, top:top + kh, left:left + kw])
            d_padded[:, :, top:top + kh, left:left + kw] += np.einsum("no,ockl->nckl", g, weight)
    d_x = d_padded[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]
    return d_x, d_weight, np.sum(grad_out, axis=(0, 2, 3))
