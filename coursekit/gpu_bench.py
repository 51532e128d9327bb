"""Record the course's GPU benchmarks as labelled JSON files.

    python -m coursekit.gpu_bench            # on a machine with a CUDA GPU
    python -m coursekit.gpu_bench --allow-cpu --out /tmp/records   # try it anywhere

Three benchmarks, one record each: "matmul" (FP32/TF32/BF16 at several
sizes), "attention" (naive and fused attention against a linear-recurrence
scan, over sequence length, with peak memory) and "cnn-step" (one training
step of a small CNN).  Each record names the device, driver/CUDA, library
versions and date, and keeps the raw timings, so a chapter can show it
beside the reader's own numbers without anyone typing a GPU figure into prose.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from .backend import device_name, library_versions, torch_device
from .hardware import RECORDS_DIR
from .mixers import naive_attention, scan_linear_recurrence  # written by chapter 08
from .timing import benchmark

MATMUL_SIZES = (256, 512, 1024, 2048, 4096, 8192)
SEQUENCE_LENGTHS = (256, 512, 1024, 2048, 4096, 8192, 16384)
BENCHMARKS = ("matmul", "attention", "cnn-step")


def torch_matmul_sweep(device, sizes=MATMUL_SIZES, precisions=("fp32", "tf32", "bf16"), repeats=5):
    """Seconds of an n x n @ n x n product per precision and size.

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


def attention_sweep(device, lengths=SEQUENCE_LENGTHS, heads=8, head_dim=64, repeats=3):
    """Seconds and peak memory of three sequence mixers against sequence length."""
    import torch
    import torch.nn.functional as F

    mixers = {
        "naive-attention": naive_attention,
        "sdpa": F.scaled_dot_product_attention,
        "scan": lambda q, k, v: scan_linear_recurrence(torch.sigmoid(q), v),
    }
    generator = torch.Generator(device="cpu").manual_seed(0)
    results = []
    for length in lengths:
        q, k, v = (torch.randn(1, heads, length, head_dim, generator=generator).to(device) for _ in range(3))
        for name, mixer in mixers.items():
            if device.type == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
            timing = benchmark(lambda: mixer(q, k, v), device=device, warmup=1, repeats=repeats)
            peak = torch.cuda.max_memory_allocated() if device.type == "cuda" else None
            results.append({"mixer": name, "length": length, "seconds": list(timing.seconds), "peak_bytes": peak})
    return results


def cnn_step(device, batch=128, repeats=5):
    """Seconds of one SGD step (forward, backward, update) of a small CNN on 3x32x32 inputs."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128 * 8 * 8, 10),
    ).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images = torch.randn(batch, 3, 32, 32, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)

    def step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()

    timing = benchmark(step, device=device, warmup=2, repeats=repeats)
    parameters = sum(p.numel() for p in model.parameters())
    return [{"batch": batch, "parameters": parameters, "seconds": list(timing.seconds)}]


def environment(device) -> dict:
    import torch

    versions = library_versions()
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


def write_record(kind: str, results: list, device, out_dir: Path) -> Path:
    now = dt.datetime.now(dt.timezone.utc)
    record = {"kind": kind, "date": now.strftime("%Y-%m-%d"), **environment(device), "results": results}
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in record["device"]).strip("-").lower()
    path = out_dir / f"{kind}-{slug}-{now.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def record(out_dir: Path, allow_cpu=False, only=BENCHMARKS, sizes=MATMUL_SIZES, lengths=SEQUENCE_LENGTHS) -> list[Path]:
    """Run the chosen benchmarks on the best device and write one record each."""
    device = torch_device()
    if device.type != "cuda" and not allow_cpu:
        raise SystemExit("No CUDA GPU is available; pass --allow-cpu to record a CPU run for testing.")
    paths = []
    if "matmul" in only:
        precisions = ("fp32", "tf32", "bf16") if device.type == "cuda" else ("fp32",)
        paths.append(write_record("matmul", torch_matmul_sweep(device, sizes, precisions), device, out_dir))
    if "attention" in only:
        paths.append(write_record("attention", attention_sweep(device, lengths), device, out_dir))
    if "cnn-step" in only:
        paths.append(write_record("cnn-step", cnn_step(device), device, out_dir))
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RECORDS_DIR, help="folder for the JSON records")
    parser.add_argument("--allow-cpu", action="store_true", help="record even without a GPU (for testing)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(MATMUL_SIZES), help="matmul sizes n")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(SEQUENCE_LENGTHS), help="sequence lengths")
    args = parser.parse_args(argv)
    for path in record(args.out, args.allow_cpu, tuple(args.only), tuple(args.sizes), tuple(args.lengths)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
