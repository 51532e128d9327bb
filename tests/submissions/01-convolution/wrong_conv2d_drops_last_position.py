"""Off by one: computes the output size without the + 1, so the last row and
column of windows are missing."""
# fails: test-conv2d-basic test-conv2d-stride-padding

# %% conv2d
def conv2d(x, weight, bias=None, stride=1, padding=0):
    if x.shape[1] != weight.shape[1]:
        raise ValueError("channel mismatch")
    sh, sw = as_pair(stride)
    ph, pw = as_pair(padding)
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    ho, wo = (h + 2 * ph - kh) // sh, (w + 2 * pw - kw) // sw
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n, o, ho, wo), dtype=np.result_type(x, weight))
    for i in range(ho):
        for j in range(wo):
            window = padded[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", window, weight)
    if bias is not None:
        out += bias.reshape(1, o, 1, 1)
    return out
