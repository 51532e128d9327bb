"""Brings C from (batch, n, L) to (batch, L, n) with reshape instead of transpose, so the
state is contracted with the wrong entries of C."""
# fails: test-selective-scan

# %% selective-scan
def selective_scan(u, delta, A, B, C, D=None):
    dA = torch.exp(torch.einsum("bdl,dn->bldn", delta, A))
    dBu = torch.einsum("bdl,bnl,bdl->bldn", delta, B, u)
    x = linear_recurrence(dA, dBu)                              # (batch, L, d, n)
    C_t = C.reshape(C.shape[0], C.shape[2], C.shape[1])         # should be C.transpose(1, 2)
    y = (x * C_t[:, :, None, :]).sum(-1).transpose(1, 2)
    if D is not None:
        y = y + D[:, None] * u
    return y
