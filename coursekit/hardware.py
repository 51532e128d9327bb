"""What the hardware can do: datasheet figures, this machine's estimated peak,
its measured memory bandwidth, and GPU runs recorded by the course.

Datasheet figures live in `book/data/hardware.json` with their sources, so
the book states no number that is not cited.  Recorded GPU runs live in
`book/data/gpu-records/*.json`, each labelled with device, versions and date.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .timing import benchmark

DATA_DIR = Path(__file__).resolve().parent.parent / "book" / "data"
# COURSE_GPU_RECORDS points chapters at another folder of records (the tests use it).
RECORDS_DIR = Path(os.environ.get("COURSE_GPU_RECORDS", DATA_DIR / "gpu-records"))


def reference_hardware() -> dict:
    """Datasheet peaks (FLOP/s, bytes/s) of reference devices, with sources."""
    return json.loads((DATA_DIR / "hardware.json").read_text())


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_clock_hz() -> float | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":", 1)[1]) * 1e6
    except (OSError, ValueError):
        pass
    return None


def fp32_flops_per_cycle(flags: set[str]) -> int:
    """FP32 FLOPs one core can start per cycle, from its widest SIMD unit.

    Assumes two fused multiply-add units per core (true of most server and
    desktop cores of the last decade, but not all): lanes x 2 (multiply and
    add) x 2 (units).  An estimate, and the course says so where it uses it.
    """
    if "avx512f" in flags:
        lanes = 16
    elif "avx2" in flags and "fma" in flags:
        lanes = 8
    elif "avx" in flags:
        return 16  # 8 lanes, separate multiply and add units, no FMA
    else:
        lanes = 4  # SSE or NEON-class 128-bit vectors
    return lanes * 2 * 2


def estimated_cpu_peak_fp32() -> dict:
    """Nominal FP32 peak of this CPU: cores x clock x FLOPs per cycle.

    Returns a dict with the estimate and every factor that went into it, so
    a chapter can show its working.  The clock is the one /proc/cpuinfo
    reports; turbo clocks may be higher, and virtual machines may report the
    host's base clock.
    """
    cores = os.cpu_count() or 1
    clock = cpu_clock_hz() or 2.5e9  # a typical base clock when unknown
    per_cycle = fp32_flops_per_cycle(cpu_flags())
    return {
        "cores": cores,
        "clock_hz": clock,
        "flops_per_cycle": per_cycle,
        "peak_flops": cores * clock * per_cycle,
    }


def measure_memory_bandwidth(megabytes: int = 256, repeats: int = 5) -> float:
    """Bytes per second of a large array copy (read + write), STREAM-style.

    The arrays are far larger than any cache, so the copy streams from and
    to main memory.  Both are touched before timing so page faults are not
    counted.
    """
    n = megabytes * 2**20 // 8
    source = np.ones(n)
    destination = np.zeros(n)
    timing = benchmark(lambda: np.copyto(destination, source), warmup=1, repeats=repeats)
    return 2 * source.nbytes / timing.median


def load_gpu_records(kind: str | None = None, directory: Path = RECORDS_DIR) -> list[dict]:
    """Recorded GPU runs, oldest first; only those of `kind` when given."""
    records = []
    for path in sorted(Path(directory).glob("*.json")):
        record = json.loads(path.read_text())
        if kind is None or record.get("kind") == kind:
            record["file"] = path.name
            records.append(record)
    return sorted(records, key=lambda r: r.get("date", ""))
