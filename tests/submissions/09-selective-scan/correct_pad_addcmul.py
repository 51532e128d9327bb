"""A correct answer written differently from the solution: a preallocated output filled in place
(from a clone, so autograd still works), a scan whose shifts use F.pad on a flattened view and
torch.addcmul, and a selective scan from broadcasting and parallel_scan instead of einsum."""

# %% linear-recurrence
def linear_recurrence(a, b, h0=None):
    out = b.new_zeros(b.shape)
    h = b.new_zeros(b[:, 0].shape) if h0 is None else h0
    for t in range(b.shape[1]):
        h = torch.addcmul(b[:, t], a[:, t], h)
        out = out.index_copy(1, torch.tensor([t]), h.unsqueeze(1))
    return out


# %% parallel-scan
def parallel_scan(a, b):
    import torch.nn.functional as F
    shape = b.shape
    A = a.reshape(shape[0], shape[1], -1).transpose(1, 2)      # (batch, rest, L): F.pad pads the last axis
    Bv = b.reshape(shape[0], shape[1], -1).transpose(1, 2)
    L, step = shape[1], 1
    while step < L:
        A_prev = F.pad(A[..., :-step], (step, 0), value=1.0)
        B_prev = F.pad(Bv[..., :-step], (step, 0), value=0.0)
        Bv = torch.addcmul(Bv, A, B_prev)
        A = torch.mul(A, A_prev)
        step <<= 1
    return Bv.transpose(1, 2).reshape(shape)


# %% selective-scan
def selective_scan(u, delta, A, B, C, D=None):
    dt = delta.transpose(1, 2)[..., None]                     # (batch, L, d, 1)
    dA = torch.exp(dt * A)                                    # (batch, L, d, n)
    dBu = dt * u.transpose(1, 2)[..., None] * B.transpose(1, 2)[:, :, None, :]
    x = parallel_scan(dA, dBu)
    y = (x * C.transpose(1, 2)[:, :, None, :]).sum(dim=-1).transpose(1, 2)
    return y if D is None else y + u * D.unsqueeze(-1)
