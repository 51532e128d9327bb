"""Counts k multiplications and k - 1 additions per entry, mn(2k - 1): a true
count, but not the multiply-add convention the exercise asks for."""
# fails: test-matmul-flops

# %% matmul-flops
def matmul_flops(m, k, n):
    return m * n * (2 * k - 1)
