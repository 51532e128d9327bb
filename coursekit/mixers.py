"""Chapter 08's sequence mixers: naive attention and a parallel scan.

Written by `make sync` from the cells of chapters/08-quadratic-wall.md that begin
"# Saved in coursekit/mixers.py". Edit the chapter, not this file:
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


def naive_attention(q, k, v):
    """softmax(Q K^T / sqrt(d)) V with the full (L, L) score matrix in
    memory."""
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    return scores.softmax(dim=-1) @ v


def scan_linear_recurrence(a, b):
    """h_t = a_t h_{t-1} + b_t along dim -2, in log2(L) parallel rounds
    (Hillis-Steele)."""
    a, b = a.clone(), b.clone()
    offset = 1
    while offset < a.shape[-2]:
        # every position t >= offset combines with the one `offset` earlier
        b[..., offset:, :] = (
            b[..., offset:, :] + a[..., offset:, :] * b[..., :-offset, :]
        )
        a[..., offset:, :] = a[..., offset:, :] * a[..., :-offset, :]
        offset *= 2
    return b
