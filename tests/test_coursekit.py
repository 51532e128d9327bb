"""The support package: backend choice (with its fallbacks), timing, hardware data."""

import json
import sys
import types

import numpy as np
import pytest
import torch

import coursekit
from coursekit import gpu_bench, hardware, timing


def fake_cupy(available: bool, raises: bool = False):
    module = types.ModuleType("cupy")
    module.__version__ = "0.0-fake"

    def is_available():
        if raises:
            raise RuntimeError("CUDA driver version is insufficient")
        return available

    module.cuda = types.SimpleNamespace(
        is_available=is_available,
        Device=lambda: types.SimpleNamespace(id=0, synchronize=lambda: None),
        runtime=types.SimpleNamespace(getDeviceProperties=lambda i: {"name": b"Fake GPU"}),
    )
    return module


def test_numpy_when_cupy_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` raise ImportError
    chosen = coursekit.array_backend()
    assert chosen.name == "numpy" and chosen.xp is np and not chosen.on_gpu


def test_numpy_when_cupy_imports_but_sees_no_device(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=False))
    assert coursekit.array_backend().name == "numpy"


def test_numpy_when_cupy_device_query_fails(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=True, raises=True))
    assert coursekit.array_backend().name == "numpy"


def test_cupy_when_a_device_is_usable(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=True))
    chosen = coursekit.array_backend()
    assert chosen.name == "cupy" and chosen.on_gpu and chosen.device == "Fake GPU"
    assert "cupy 0.0-fake on Fake GPU" in coursekit.describe(chosen)


def test_cpu_can_be_asked_for_even_with_a_gpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=True))
    assert coursekit.array_backend(prefer_gpu=False).name == "numpy"


def test_torch_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert coursekit.torch_device().type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert coursekit.torch_device().type == "cuda"
    assert coursekit.torch_device(prefer_gpu=False).type == "cpu"


def test_report_says_which_backend_ran(capsys):
    coursekit.report(coursekit.array_backend(prefer_gpu=False))
    coursekit.report(torch.device("cpu"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("backend: numpy ") and "cores" in out[0]
    assert out[1].startswith("backend: torch ") and " on cpu " in out[1]


def test_benchmark_warms_up_repeats_and_takes_the_median(monkeypatch):
    calls = []
    clock = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # samples of 1, 3 and 2 seconds
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    result = coursekit.benchmark(lambda: calls.append(1), warmup=2, repeats=3)
    assert len(calls) == 2 + 3
    assert result.seconds == (1.0, 3.0, 2.0)
    assert result.median == 2.0 and result.best == 1.0
    assert result.rate(10.0) == 5.0


def test_benchmark_synchronises_the_device_after_warmup_and_each_sample():
    synced = []
    device = types.SimpleNamespace(synchronize=lambda: synced.append(1))
    coursekit.benchmark(lambda: None, device=device, warmup=1, repeats=4)
    assert len(synced) == 1 + 4


def test_benchmark_groups_fast_calls_to_reach_min_seconds():
    calls = []
    result = coursekit.benchmark(lambda: calls.append(1), warmup=0, repeats=2, min_seconds=0.001)
    assert len(calls) > 1 + 2  # one probe call, then more than one call per sample
    assert all(s > 0 for s in result.seconds)


def test_benchmark_rejects_zero_repeats():
    with pytest.raises(ValueError, match="repeats"):
        coursekit.benchmark(lambda: None, repeats=0)


def test_cuda_synchroniser_is_torch_cuda_synchronize():
    assert timing.synchronizer_for("cuda") is torch.cuda.synchronize
    assert timing.synchronizer_for(torch.device("cpu"))() is None


@pytest.mark.parametrize(
    "flags, expected",
    [({"avx512f", "avx2", "fma"}, 64), ({"avx2", "fma"}, 32), ({"avx"}, 16), (set(), 16)],
)
def test_flops_per_cycle_follow_the_widest_simd_unit(flags, expected):
    assert hardware.fp32_flops_per_cycle(flags) == expected


def test_estimated_peak_is_the_product_of_its_factors():
    peak = hardware.estimated_cpu_peak_fp32()
    assert peak["peak_flops"] == peak["cores"] * peak["clock_hz"] * peak["flops_per_cycle"] > 0


def test_memory_bandwidth_is_plausible():
    bandwidth = hardware.measure_memory_bandwidth(megabytes=16, repeats=2)
    assert 1e8 < bandwidth < 1e13  # between 0.1 GB/s and 10 TB/s


def test_reference_hardware_is_cited(course):
    devices = hardware.reference_hardware()["devices"]
    bib = (course.root / "book" / "references.bib").read_text()
    assert devices["NVIDIA H100 SXM"]["peak_flops"]["bf16"] == 989.4e12
    for name, device in devices.items():
        assert "{" + device["source"] + "," in bib, f"{name}'s source is not in references.bib"


def test_gpu_records_load_and_filter(tmp_path, course):
    (tmp_path / "a.json").write_text((course.root / "tests" / "data" / "fake-gpu-record.json").read_text())
    (tmp_path / "b.json").write_text(json.dumps({"kind": "attention", "date": "2001-01-01"}))
    records = hardware.load_gpu_records("matmul", directory=tmp_path)
    assert [r["file"] for r in records] == ["a.json"]
    assert records[0]["results"][0]["precision"] == "fp32"
    assert hardware.load_gpu_records(directory=tmp_path)[1]["kind"] == "attention"


def test_committed_gpu_records_are_labelled():
    for record in hardware.load_gpu_records():
        for key in ("kind", "date", "device", "versions", "results"):
            assert key in record, f"{record['file']} has no {key}"


def test_gpu_bench_refuses_without_a_gpu(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit, match="No CUDA GPU"):
        gpu_bench.main(["--out", str(tmp_path)])


def test_gpu_bench_writes_labelled_records_of_each_kind(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    args = ["--out", str(tmp_path), "--allow-cpu", "--sizes", "16", "32", "--lengths", "8", "16"]
    assert gpu_bench.main(args) == 0
    records = {r["kind"]: r for r in hardware.load_gpu_records(directory=tmp_path)}
    assert set(records) == {"matmul", "attention", "cnn-step"}
    for record in records.values():
        assert record["versions"]["torch"] == torch.__version__ and record["device"] and record["date"]
    matmul = records["matmul"]["results"]
    assert [r["n"] for r in matmul] == [16, 32]
    assert all(len(r["seconds"]) == 5 and r["flops"] == 2 * r["n"] ** 3 for r in matmul)
    attention = records["attention"]["results"]
    assert {(r["mixer"], r["length"]) for r in attention} == {
        (m, n) for m in ("naive-attention", "sdpa", "scan") for n in (8, 16)
    }
    assert records["cnn-step"]["results"][0]["parameters"] > 0


def test_gpu_bench_mixers_compute_the_right_thing():
    generator = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 37, 8, generator=generator, dtype=torch.float64) for _ in range(3))
    torch.testing.assert_close(
        gpu_bench.naive_attention(q, k, v), torch.nn.functional.scaled_dot_product_attention(q, k, v)
    )
    a, b = torch.rand(2, 3, 37, 8, generator=generator, dtype=torch.float64), v
    expected, h = [], torch.zeros_like(b[..., 0, :])
    for t in range(b.shape[-2]):
        h = a[..., t, :] * h + b[..., t, :]
        expected.append(h)
    torch.testing.assert_close(gpu_bench.scan_linear_recurrence(a, b), torch.stack(expected, dim=-2))


def test_a_seed_record_is_labelled_and_refused_when_its_configuration_changed(tmp_path, monkeypatch):
    from coursekit import records

    config = {"steps": 400, "learning_rate": 0.01}
    path = records.save("99-toy", config, {0: {"loss": 1.5}, 1: {"loss": 1.25}}, folder=tmp_path)
    assert path == tmp_path / "99-toy.json"
    monkeypatch.setenv("COURSE_SEED_RECORDS", str(tmp_path))
    record = records.load("99-toy", config)
    assert records.per_seed(record, "loss") == [1.5, 1.25]
    assert records.label(record).startswith(f"recorded {record['date']} on ")
    assert "seeds 0-1 (2 runs)" in records.label(record) and "torch " in records.label(record)
    assert records.load("99-toy", {**config, "steps": 800}) is None  # an edited experiment shows no stale spread
    assert records.load("99-other", config) is None
    assert records.spread([1.0, 2.0, 3.0]) == "mean 2 (range 1 to 3)"
    assert records.within(3.4, [1.0, 3.0], margin=0.5) and not records.within(3.6, [1.0, 3.0], margin=0.5)


def test_the_book_runs_one_seed_and_make_record_runs_five(monkeypatch):
    from coursekit import records

    monkeypatch.delenv("COURSE_RECORD", raising=False)
    assert not records.recording()
    monkeypatch.setenv("COURSE_RECORD", "1")
    assert records.recording() and len(records.RECORD_SEEDS) >= 3
    chapters = records.SEED_RECORDS_DIR.parent.parent.parent / "chapters"
    assert "09-state-space-models.md" in [p.name for p in records.chapters_with_records(chapters)]
