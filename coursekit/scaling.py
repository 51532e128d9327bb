"""Chapter 06's Chinchilla law and its compute-optimal split.

Written by `make sync` from the cells of chapters/06-scaling-hypothesis.md that begin
"# Saved in coursekit/scaling.py". Edit the chapter, not this file:
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


def chinchilla_loss(N, D, E, A, B, alpha, beta):
    """L(N, D) = E + A / N^alpha + B / D^beta."""
    return E + A / N**alpha + B / D**beta


def compute_optimal(C, A, B, alpha, beta, E=None):
    """(N_opt, D_opt) minimising the Chinchilla law subject to 6 N D = C.
    E does not move the optimum; it is accepted so that a whole fit can be
    passed as keywords."""
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N_opt = G * (C / 6) ** (beta / (alpha + beta))
    return N_opt, C / (6 * N_opt)
