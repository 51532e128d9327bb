"""Hard-codes float32's 4 bytes instead of using bytes_per_element."""
# fails: test-arithmetic-intensity

# %% arithmetic-intensity
def arithmetic_intensity(m, k, n, bytes_per_element=4):
    return 2 * m * k * n / (4 * (m * k + k * n + m * n))
