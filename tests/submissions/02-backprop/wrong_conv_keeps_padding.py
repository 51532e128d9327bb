"""Returns the gradient of the padded input, padding rows and columns included."""
# fails: test-conv2d-backward

# %% conv2d-backward
def conv2d_backward(x, weight, grad_out, stride=1, padding=0):
    """(dL/dx, dL/dweight, dL/dbias) of y = conv2d(x, weight, bias, stride, padding), given grad_out = dL/dy."""
    sh, sw = as_pair(stride)
    ph, pw = as_pair(padding)
    h, w = x.shape[2], x.shape[3]
    kh, kw = weight.shape[2], weight.shape[3]
    h_out, w_out = grad_out.shape[2], grad_out.shape[3]
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    grad_padded = np.zeros_like(padded)
    grad_weight = np.zeros_like(weight)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u, u + sh * (h_out - 1) + 1, sh)
            cols = slice(v, v + sw * (w_out - 1) + 1, sw)
            grad_weight[:, :, u, v] = np.einsum("nohw,nchw->oc", grad_out, padded[:, :, rows, cols])
            grad_padded[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, weight[:, :, u, v])
    grad_x = grad_padded
    return grad_x, grad_weight, grad_out.sum(axis=(0, 2, 3))
