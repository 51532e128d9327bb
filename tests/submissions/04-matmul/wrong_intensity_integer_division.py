"""Floor division: rounds every intensity down to a whole number."""
# fails: test-arithmetic-intensity

# %% arithmetic-intensity
def arithmetic_intensity(m, k, n, bytes_per_element=4):
    return 2 * m * k * n // (bytes_per_element * (m * k + k * n + m * n))
