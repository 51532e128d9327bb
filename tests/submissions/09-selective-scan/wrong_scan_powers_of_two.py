"""Does floor(log2 L) doubling steps instead of ceil(log2 L): right only when L is a power of two."""
# fails: test-parallel-scan-values

# %% parallel-scan
def parallel_scan(a, b):
    L = b.shape[1]
    for k in range(int(math.log2(L))):
        shift = 2 ** k
        a_prev = torch.cat([torch.ones_like(a[:, :shift]), a[:, :-shift]], dim=1)
        b_prev = torch.cat([torch.zeros_like(b[:, :shift]), b[:, :-shift]], dim=1)
        b = a * b_prev + b
        a = a * a_prev
    return b
