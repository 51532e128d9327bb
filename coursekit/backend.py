"""Choose where array and tensor code runs, and say so.

The course runs everywhere: a GPU is used when one is really there and the
CPU otherwise.  "Really there" matters: CuPy can import on a machine with no
usable GPU (no driver, no device), so importing is not enough.
"""

from __future__ import annotations

import importlib
import os
import platform
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class ArrayBackend:
    """An array module (NumPy or CuPy) and the device it computes on."""

    xp: ModuleType
    name: str  # "numpy" or "cupy"
    device: str  # human-readable device name

    @property
    def on_gpu(self) -> bool:
        return self.name == "cupy"

    def to_host(self, array):
        """Bring an array back to NumPy, wherever it lives."""
        return self.xp.asnumpy(array) if self.on_gpu else array

    def synchronize(self) -> None:
        """Wait for queued GPU work; a no-op on the CPU."""
        if self.on_gpu:
            self.xp.cuda.Device().synchronize()


def _import_cupy() -> ModuleType | None:
    """CuPy if it imports and can see a CUDA device, else None."""
    try:
        cupy = importlib.import_module("cupy")
    except Exception:  # ImportError, or a broken CUDA install raising anything
        return None
    try:
        if not cupy.cuda.is_available():
            return None
    except Exception:
        return None
    return cupy


def cpu_name() -> str:
    """The CPU model and core count, e.g. 'AMD EPYC (2 cores)'."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} ({os.cpu_count()} cores)"


def library_versions() -> dict:
    """The Python, NumPy and PyTorch versions, for labelling recorded results."""
    import numpy
    import torch

    return {"python": platform.python_version(), "numpy": numpy.__version__, "torch": torch.__version__}


def array_backend(prefer_gpu: bool = True) -> ArrayBackend:
    """CuPy on the GPU when usable (and wanted), NumPy on the CPU otherwise."""
    if prefer_gpu:
        cupy = _import_cupy()
        if cupy is not None:
            props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
            name = props["name"]
            name = name.decode() if isinstance(name, bytes) else name
            return ArrayBackend(cupy, "cupy", name)
    import numpy

    return ArrayBackend(numpy, "numpy", cpu_name())


def torch_device(prefer_gpu: bool = True):
    """torch.device('cuda') when a CUDA device is available, else 'cpu'."""
    import torch

    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def device_name(device) -> str:
    """A readable name for a torch device or an ArrayBackend."""
    if isinstance(device, ArrayBackend):
        return device.device
    if getattr(device, "type", str(device)) == "cuda":
        import torch

        return torch.cuda.get_device_name(device)
    return cpu_name()


def describe(device) -> str:
    """One line saying which library and device ran, for a cell's output."""
    if isinstance(device, ArrayBackend):
        module = device.xp
        return f"backend: {device.name} {module.__version__} on {device.device}"
    import torch

    return f"backend: torch {torch.__version__} on {device} ({device_name(device)})"


def report(device) -> None:
    """Print which backend and device ran this cell."""
    print(describe(device))
