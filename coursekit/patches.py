"""Chapter 01's crops from the training or the test columns of a photograph.

Written by `make sync` from the cells of chapters/01-alexnet.md that begin
"# Saved in coursekit/patches.py". Edit the chapter, not this file:
tests/test_shared_code.py checks that the two agree.
"""

import contextlib
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from coursekit import hardware


def random_crop(rng, image, size, split, train_fraction=0.7):
    """A random size x size crop of `image` from its training columns (the
    left `train_fraction` of its width) or its test columns (the rest)."""
    height, width = image.shape[:2]
    cut = int(train_fraction * width)
    low, high = (0, cut - size) if split == "train" else (cut, width - size)
    row = rng.integers(0, height - size + 1)
    col = rng.integers(low, high + 1)
    return image[row : row + size, col : col + size]
