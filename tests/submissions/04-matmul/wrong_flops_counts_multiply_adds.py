"""Counts multiply-adds, not FLOPs: off by a factor of two."""
# fails: test-matmul-flops

# %% matmul-flops
def matmul_flops(m, k, n):
    return m * k * n
