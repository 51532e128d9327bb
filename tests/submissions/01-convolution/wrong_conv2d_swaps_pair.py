"""Reads a (h, w) stride or padding pair as (w, h)."""
# fails: test-conv2d-stride-padding

# %% conv2d
def conv2d(x, weight, bias=None, stride=1, padding=0):
    if x.shape[1] != weight.shape[1]:
        raise ValueError("channel mismatch")
    sw, sh = as_pair(stride)
    pw, ph = as_pair(padding)
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n, o, ho, wo), dtype=np.result_type(x, weight))
    for u in range(kh):
        for v in range(kw):
            window = padded[:, :, u:u + sh * (ho - 1) + 1:sh, v:v + sw * (wo - 1) + 1:sw]
            out += np.einsum("nchw,oc->nohw", window, weight[:, :, u, v])
    if bias is not None:
        out += bias.reshape(1, o, 1, 1)
    return out
