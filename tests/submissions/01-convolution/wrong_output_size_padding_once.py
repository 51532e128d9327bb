"""Adds the padding on one side only."""
# fails: test-conv-output-size

# %% conv-output-size
def conv_output_size(size, kernel, stride=1, padding=0):
    return (size + padding - kernel) // stride + 1
