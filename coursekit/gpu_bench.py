"""Record the course's GPU benchmarks as a labelled JSON file.

    python -m coursekit.gpu_bench            # on a machine with a CUDA GPU
    python -m coursekit.gpu_bench --allow-cpu --out /tmp/records   # try it anywhere

Each record names the device, driver/CUDA, library versions and date, and
keeps the raw timings, so a chapter can show it beside the reader's own
numbers without anyone typing a GPU figure into prose.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
from pathlib import Path

from .backend import device_name, torch_device
from .hardware import RECORDS_DIR
from .timing import benchmark

MATMUL_SIZES = (256, 512, 1024, 2048, 4096, 8192)


def torch_matmul_sweep(device, sizes=MATMUL_SIZES, precisions=("fp32", "tf32", "bf16"), repeats=5):
    """Median seconds of an n x n @ n x n product per precision and size.

    "fp32" disables TF32 tensor cores so the FP32 units do the work; "tf32"
    allows them (inputs stay float32, products are rounded to 10 mantissa
    bits); "bf16" uses bfloat16 inputs.
    """
    import torch

    results = []
    generator = torch.Generator(device="cpu").manual_seed(0)
    for precision in precisions:
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        for n in sizes:
            a = torch.randn(n, n, generator=generator).to(device=device, dtype=dtype)
            b = torch.randn(n, n, generator=generator).to(device=device, dtype=dtype)
            timing = benchmark(lambda: a @ b, device=device, warmup=2, repeats=repeats, min_seconds=0.01)
            results.append(
                {"library": "torch", "precision": precision, "n": n, "flops": 2 * n**3, "seconds": list(timing.seconds)}
            )
    torch.backends.cuda.matmul.allow_tf32 = False
    return results


def environment(device) -> dict:
    import numpy
    import torch

    versions = {"python": platform.python_version(), "numpy": numpy.__version__, "torch": torch.__version__}
    info = {"device": device_name(device), "versions": versions}
    if device.type == "cuda":
        versions["cuda"] = torch.version.cuda
        try:
            import cupy

            versions["cupy"] = cupy.__version__
            info["driver"] = cupy.cuda.runtime.driverGetVersion()
        except Exception:
            info["driver"] = None
    return info


def record_matmul(out_dir: Path, allow_cpu: bool = False, sizes=MATMUL_SIZES) -> Path:
    device = torch_device()
    if device.type != "cuda" and not allow_cpu:
        raise SystemExit("No CUDA GPU is available; pass --allow-cpu to record a CPU run for testing.")
    precisions = ("fp32", "tf32", "bf16") if device.type == "cuda" else ("fp32",)
    now = dt.datetime.now(dt.timezone.utc)
    record = {
        "kind": "matmul",
        "date": now.strftime("%Y-%m-%d"),
        **environment(device),
        "results": torch_matmul_sweep(device, sizes=sizes, precisions=precisions),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in record["device"]).strip("-").lower()
    path = out_dir / f"matmul-{slug}-{now.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RECORDS_DIR, help="folder for the JSON record")
    parser.add_argument("--allow-cpu", action="store_true", help="record even without a GPU (for testing)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(MATMUL_SIZES))
    args = parser.parse_args(argv)
    path = record_matmul(args.out, allow_cpu=args.allow_cpu, sizes=tuple(args.sizes))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
