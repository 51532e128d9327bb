"""Plumbing shared by the course's chapters: where code runs, how it is timed,
what the hardware can do, and how figures look.

Chapters show the ideas they teach inline; only this plumbing is imported.
"""

from .backend import ArrayBackend, array_backend, describe, report, torch_device
from .timing import Timing, benchmark

__all__ = [
    "ArrayBackend",
    "Timing",
    "array_backend",
    "benchmark",
    "describe",
    "report",
    "torch_device",
]
