"""Counts the bytes read from A and B but not the bytes written to C."""
# fails: test-arithmetic-intensity

# %% arithmetic-intensity
def arithmetic_intensity(m, k, n, bytes_per_element=4):
    return 2 * m * k * n / (bytes_per_element * (m * k + k * n))
