"""Plumbing shared by the course's chapters: where code runs, how it is timed,
what the hardware can do, and how figures look.

Chapters show the ideas they teach inline. What a later chapter reuses is
copied out of the chapter that teaches it by `make sync` (coursekit/sync.py)
into a module of its own: training, text, scaling, attention, memory, ssm.
"""

from .backend import ArrayBackend, array_backend, describe, report, torch_device
from .notebook import parameter_count, setup, stopwatch
from .timing import Timing, benchmark

__all__ = [
    "ArrayBackend",
    "Timing",
    "array_backend",
    "benchmark",
    "describe",
    "parameter_count",
    "report",
    "setup",
    "stopwatch",
    "torch_device",
]
