"""A correct answer written differently from the solution: the output size from
negative floor division, and a loop over output positions (not kernel offsets)
that multiplies each flattened window by the flattened filters."""

# %% conv-output-size
def conv_output_size(size, kernel, stride=1, padding=0):
    span = size + 2 * padding - kernel
    return 1 + span // stride


# %% conv2d
def conv2d(x, weight, bias=None, stride=1, padding=0):
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"cannot convolve x {x.shape} with weight {weight.shape}")
    stride_h, stride_w = as_pair(stride)
    pad_h, pad_w = as_pair(padding)
    out_channels, _, kh, kw = weight.shape
    padded = np.pad(x, [(0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)], mode="constant", constant_values=0)
    ho = conv_output_size(x.shape[2], kh, stride_h, pad_h)
    wo = conv_output_size(x.shape[3], kw, stride_w, pad_w)
    filters = weight.reshape(out_channels, -1).T  # (C*kh*kw, O)
    y = np.empty((x.shape[0], out_channels, ho, wo), dtype=np.result_type(x.dtype, weight.dtype))
    for i in range(ho):
        for j in range(wo):
            top, left = i * stride_h, j * stride_w
            window = padded[:, :, top:top + kh, left:left + kw].reshape(x.shape[0], -1)
            y[:, :, i, j] = window @ filters
    if bias is not None:
        y += np.asarray(bias)[None, :, None, None]
    return y
