"""Rounds the number of steps up: counts a last, partial window."""
# fails: test-conv-output-size

# %% conv-output-size
import math


def conv_output_size(size, kernel, stride=1, padding=0):
    return math.ceil((size + 2 * padding - kernel) / stride) + 1
