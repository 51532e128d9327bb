"""True division: 55.0 instead of 55, and fractions when the stride does not divide."""
# fails: test-conv-output-size

# %% conv-output-size
def conv_output_size(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) / stride + 1
