"""Time a piece of code the way benchmarks should: warm up, repeat, take the median.

GPUs run asynchronously: a call returns as soon as the work is queued.  Timing
without waiting for the device measures the queueing, not the work, so every
measurement here is bracketed by a synchronisation.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Timing:
    """Seconds per call over the repeats (after warm-up)."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)

    def rate(self, work: float) -> float:
        """Work per second at the median time, e.g. FLOP/s given FLOPs per call."""
        return work / self.median


def synchronizer_for(device) -> Callable[[], None]:
    """A function that waits for queued work on `device` (no-op on the CPU).

    `device` may be a torch.device, a device string such as "cuda", an
    ArrayBackend, or None for plain CPU code.
    """
    if device is None:
        return lambda: None
    if hasattr(device, "synchronize"):  # ArrayBackend
        return device.synchronize
    if str(getattr(device, "type", device)).startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return lambda: None


def benchmark(
    fn: Callable[[], object],
    *,
    device=None,
    warmup: int = 1,
    repeats: int = 5,
    min_seconds: float = 0.0,
) -> Timing:
    """Time `fn()`; returns a Timing of `repeats` calls after `warmup` calls.

    Warm-up calls absorb one-off costs (memory allocation, kernel compilation,
    caches) that are not what we mean to measure.  With `min_seconds`, very
    fast calls are repeated inside each measurement until it lasts that long,
    so the clock's resolution does not dominate.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    sync = synchronizer_for(device)
    for _ in range(warmup):
        fn()
    sync()

    calls_per_sample = 1
    if min_seconds > 0:
        start = time.perf_counter()
        fn()
        sync()
        once = max(time.perf_counter() - start, 1e-9)
        calls_per_sample = max(1, int(min_seconds / once))

    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls_per_sample):
            fn()
        sync()
        samples.append((time.perf_counter() - start) / calls_per_sample)
    return Timing(tuple(samples))
