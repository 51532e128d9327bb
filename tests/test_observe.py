"""The trusted observer (grader/observe.py): what a student's function does with watched values, seen by the grader.

Each case runs twice: in this process (as in a notebook) and through the
grader's socket, with the student's code in a 'kernel' thread (as in grading).
The verdicts must agree, and the kernel never holds the watched values.
"""

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from grader.observe import Observer, _resolve
from test_remote import run

TILED = '''
import math

def tiled(A, B, tile=2):
    if A.shape[1] != B.shape[0]:
        raise ValueError("shapes")
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), dtype=np.result_type(A.dtype, B.dtype))
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            for p in range(0, k, tile):
                C[i:i + tile, j:j + tile] += A[i:i + tile, p:p + tile] @ B[p:p + tile, j:j + tile]
    return C


def tiled_watched_result(A, B, tile=2):
    rows = []
    for i in range(0, A.shape[0], tile):
        row = []
        for j in range(0, B.shape[1], tile):
            block = sum(np.einsum("ik,kj->ij", A[i:i + tile, p:p + tile], B[p:p + tile, j:j + tile])
                        for p in range(0, A.shape[1], tile))
            row.append(block)
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)


def whole(A, B, tile=2):
    return A @ B


def converted(A, B, tile=2):
    return tiled(np.asarray(A), np.asarray(B), tile)


def broadcast(A, B, tile=2):
    return (A[:, :, None] * B[None]).sum(1)


def disguised_identity(A, B, tile=2):
    eye = B[:1, :1] * 0 + np.eye(A.shape[1])
    A_plain = np.asarray(A[:, :] @ eye[:A.shape[1], :A.shape[1]])
    return A_plain @ np.asarray(B)


def attention(q, k, v):
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    return weights @ v


def fused(q, k, v):
    return torch.nn.functional.scaled_dot_product_attention(q, k, v)


def fused_on_copies(q, k, v):
    return torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(t.tolist()) for t in (q, k, v)))


def scan(a, b):
    L, shift = b.shape[1], 1
    while shift < L:
        a_prev = torch.cat([torch.ones_like(a[:, :shift]), a[:, :-shift]], dim=1)
        b_prev = torch.cat([torch.zeros_like(b[:, :shift]), b[:, :-shift]], dim=1)
        b = a * b_prev + b
        a = a * a_prev
        shift *= 2
    return b


def loop(a, b):
    h, hs = torch.zeros_like(b[:, 0]), []
    for t in range(b.shape[1]):
        h = a[:, t] * h + b[:, t]
        hs.append(h)
    return torch.stack(hs, dim=1)


def asks_for_a_file(A, B, tile=2):
    return np.save("stolen.npy", A)


def asks_for_a_huge_array(A, B, tile=2):
    return np.pad(A, 60000)
'''

MATMUL_VERDICT = '''
rng = np.random.default_rng(0)
A0, B0 = rng.standard_normal((5, 7)), rng.standard_normal((7, 3))
seen = Observer()
A, B = seen.watch(A0, "A"), seen.watch(B0, "B")
C = {name}(A, B, tile=2)
np.testing.assert_allclose(seen.value(C), A0 @ B0, atol=1e-12)
verdict = (seen.largest_product() <= 2, not seen.leaks(C))
assert verdict == {expected}, verdict
'''


@pytest.fixture(params=["notebook", "grader"])
def judge(request, tmp_path, monkeypatch):
    """Run a test source against the TILED student code, here or through the grader's socket."""
    def judge(test_source):
        if request.param == "notebook":
            namespace = {"np": np, "torch": torch, "math": math, "Observer": Observer}
            exec(TILED, namespace)
            exec(test_source, namespace)
            return "passed"
        result = run("from grader.observe import Observer\n" + test_source, tmp_path, monkeypatch, TILED)
        return result.status if result.status == "passed" else result.error
    return judge


@pytest.mark.parametrize("name, expected", [
    ("tiled", (True, True)),                   # blocks only, and only products read out
    ("tiled_watched_result", (True, True)),    # einsum of blocks, the result kept watched
    ("whole", (False, True)),                  # one product of the whole matrices
    ("converted", (True, False)),              # np.asarray(A): A's values read out, then anything
    ("broadcast", (False, True)),              # a product by broadcasting, of whole matrices
    ("disguised_identity", (False, False)),    # a product with a matrix of its own making does not hide A
])
def test_tiling_verdicts(judge, name, expected):
    assert judge(MATMUL_VERDICT.format(name=name, expected=expected)) == "passed"


@pytest.mark.parametrize("name, fused_called, leaked", [
    ("attention", False, False), ("fused", True, False), ("fused_on_copies", False, True)])  # on copies: the call is out of sight, the export is not
def test_attention_verdicts(judge, name, fused_called, leaked):
    source = f'''
q, k, v = torch.randn(2, 5, 4), torch.randn(2, 6, 4), torch.randn(2, 6, 4)
seen = Observer()
out = {name}(seen.watch(q, "q"), seen.watch(k, "k"), seen.watch(v, "v"))
torch.testing.assert_close(seen.value(out), torch.nn.functional.scaled_dot_product_attention(q, k, v))
assert bool(seen.called("scaled_dot_product")) == {fused_called}, seen.called("scaled_dot_product")
assert bool(seen.leaks()) == {leaked}, seen.leaks()
'''
    assert judge(source) == "passed"


def test_operations_are_counted(judge):
    source = '''
counts = []
for f in (scan, loop):
    seen = Observer()
    a, b = torch.rand(2, 64, 3), torch.randn(2, 64, 3)
    out = f(seen.watch(a, "a"), seen.watch(b, "b"))
    counts.append(seen.count({"mul", "__mul__", "__rmul__"}))
    torch.testing.assert_close(seen.value(out), loop(a, b))
assert counts[0] <= 2 * 6 and counts[1] >= 64, counts
'''
    assert judge(source) == "passed"


@pytest.mark.parametrize("name, error", [("asks_for_a_file", "TypeError"), ("asks_for_a_huge_array", "MemoryError")])
def test_the_grader_refuses_what_a_watched_value_may_not_do(judge, tmp_path, name, error):
    source = f'''
seen = Observer()
try:
    {name}(seen.watch(np.ones((3, 3)), "A"), seen.watch(np.ones((3, 3)), "B"))
except {error}:
    pass
else:
    raise AssertionError("not refused")
'''
    assert judge(source) == "passed"
    assert not Path("stolen.npy").exists(), "the refused np.save wrote a file"


@pytest.mark.parametrize("name", ["numpy.save", "numpy.load", "torch.save", "numpy.ndarray.tofile", "os.system",
                                  "numpy.lib.npyio.NpzFile", "numpy.DataSource", "torch.manual_seed",
                                  "numpy.random.rand", "torch.Tensor.register_hook", "numpy.ndarray.__reduce__",
                                  "torch.serialization.save", "builtins.eval", "numpy.add.__init__",
                                  "numpy.lib.stride_tricks.as_strided", "torch.Tensor.as_strided", "torch.empty_like",
                                  "numpy.empty_like", "torch.Tensor.new_empty", "numpy.ndarray.getfield",
                                  "numpy.ndarray.base.__get__"])
def test_only_array_functions_can_be_named(name):
    with pytest.raises(TypeError):
        _resolve(name)


def test_the_kernel_sees_shapes_and_never_values():
    seen = Observer()
    watched = seen.watch(np.arange(6.0).reshape(2, 3), "A")
    assert watched.shape == (2, 3) and watched.dtype == np.float64 and len(watched) == 2
    assert "5.0" not in repr(watched) and "5.0" not in f"{watched}"
    assert not seen.exports
    float(watched[1, 2])  # reading one value out is an export, and written down
    assert seen.leaks() == ["numpy.ndarray.__float__ read out the values of A"]
