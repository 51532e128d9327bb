"""Discretises A with Euler's rule, A_bar = 1 + delta A, instead of exp(delta A)."""
# fails: test-selective-scan

# %% selective-scan
def selective_scan(u, delta, A, B, C, D=None):
    dA = 1 + torch.einsum("bdl,dn->bldn", delta, A)
    dBu = torch.einsum("bdl,bnl,bdl->bldn", delta, B, u)
    x = linear_recurrence(dA, dBu)
    y = torch.einsum("bldn,bnl->bdl", x, C)
    if D is not None:
        y = y + D[:, None] * u
    return y
