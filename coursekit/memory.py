"""Chapter 08's measurement of the peak memory of a call, on CPU or GPU.

Written by `make sync` from the cells of chapters/08-quadratic-wall.md that begin
"# Saved in coursekit/memory.py". Edit the chapter, not this file:
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


@contextlib.contextmanager
def quiet_stderr():
    """Silence the process's error stream: the profiler's C++ side prints
    status lines there on every run."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def peak_memory_bytes(fn, device):
    """Largest amount of memory allocated while fn() runs, above what was
    allocated before it."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fn()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - before
    with quiet_stderr(), torch.profiler.profile(
        activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True
    ) as prof:
        fn()
    # Every allocation (+ bytes) and release (- bytes), in time order.
    # kineto_results holds the raw log.
    changes = sorted(
        (e.start_ns(), e.nbytes())
        for e in prof.profiler.kineto_results.events()
        if e.name() == "[memory]"
    )
    allocated = peak = 0
    for _, nbytes in changes:
        allocated += nbytes
        peak = max(peak, allocated)
    return peak
