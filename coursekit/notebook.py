"""What every chapter needs before its first experiment: one set-up call, a
parameter counter and a stopwatch."""

from __future__ import annotations

import time

from .backend import report, torch_device


def setup(device=None, threads=None):
    """The course's figure style, `threads` CPU threads (None: the library
    defaults), and a torch device, printed: 'cpu', 'cuda', or None for CUDA
    when available. Returns the device.

    The chapters' models are tiny, so most chapters ask for one thread: a CPU
    spends longer coordinating threads than a tiny operation takes, and one
    thread keeps timings steady on a machine that other programs share."""
    import torch
    from threadpoolctl import threadpool_limits

    from .plotting import use_course_style  # matplotlib only where figures are drawn

    use_course_style()
    if threads is not None:
        torch.set_num_threads(threads)
        threadpool_limits(threads)  # NumPy's and scikit-learn's BLAS too
    device = torch_device() if device is None else torch.device(device)
    report(device)
    return device


def parameter_count(module) -> int:
    """The number of numbers in a torch module's parameters, frozen ones
    included (a tied matrix counts once, as `parameters()` lists it once)."""
    return sum(p.numel() for p in module.parameters())


class stopwatch:
    """`with stopwatch() as clock: ...` then `clock.seconds`: wall time of the
    block. For GPU work, end the block with a synchronisation (such as
    `.item()`), or the clock stops before the GPU does."""

    def __enter__(self):
        self.seconds = None
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False
