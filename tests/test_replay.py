"""The trusted half of autograding: values out of the sandbox, and tests replayed against them."""

import math

import nbformat
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import codec
from grader.harness import Harness, cell_hash
from grader.replay import Playback, ReplayMismatch, Unreplayable, replay


def round_trip(value, tmp_path):
    encoder = codec.Encoder()
    tree = encoder.encode(value)
    codec.dump(tree, encoder.arrays, tmp_path / "value")
    return codec.decode(*codec.load(tmp_path / "value"))


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=50, deadline=None)
@given(plain)
def test_plain_values_survive_the_boundary(tmp_path_factory, value):
    assert round_trip(value, tmp_path_factory.mktemp("v")) == value


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool])
def test_tensors_keep_dtype_and_bits(tmp_path, dtype):
    tensor = (torch.randn(3, 4, generator=torch.Generator().manual_seed(0)) * 10).to(dtype)
    back = round_trip({"t": tensor, "size": tensor.shape, "dtype": dtype}, tmp_path)
    assert back["t"].dtype == dtype and torch.equal(back["t"], tensor)
    assert back["size"] == (3, 4) and back["dtype"] is dtype


def test_arrays_scalars_and_special_floats(tmp_path):
    value = [np.arange(6, dtype=np.float32).reshape(2, 3), np.int16(7), math.inf, -math.inf, 1 + 2j]
    back = round_trip(value, tmp_path)
    assert back[0].dtype == np.float32 and np.array_equal(back[0], value[0])
    assert back[1] == 7 and back[1].dtype == np.int16 and back[2:] == value[2:]
    assert math.isnan(round_trip(math.nan, tmp_path))


def test_foreign_objects_become_opaque_and_equal_nothing(tmp_path):
    class Sneaky:
        def __eq__(self, other):
            return True

    back = round_trip([Sneaky(), object()], tmp_path)
    assert all(isinstance(v, codec.Opaque) for v in back)
    assert back[0] != back[0] and back[0] != 1


def test_a_transcript_is_never_unpickled(tmp_path):
    np.savez(tmp_path / "t.npz", np.array([object()], dtype=object))
    (tmp_path / "t.json").write_text('{"__ndarray__": 0}')
    with pytest.raises(ValueError):
        codec.load(tmp_path / "t")


def recorded(calls):
    encoder = codec.Encoder()
    tree = [{"name": name, "args": encoder.encode(list(args)), "kwargs": encoder.encode({}),
             "args_after": encoder.encode(list(args)),
             **{k: encoder.encode(v) if k == "returned" else v for k, v in outcome.items()}}
            for name, args, outcome in calls]
    return tree, encoder.arrays


def test_playback_returns_what_the_student_returned():
    tree, arrays = recorded([("f", (np.ones(3),), {"returned": 1.5})])
    f = Playback(tree, arrays).stub("f")
    assert f(np.ones(3)) == 1.5


def test_playback_notices_inputs_that_changed_in_the_sandbox():
    tree, arrays = recorded([("f", (np.ones(3),), {"returned": 1.5})])
    with pytest.raises(ReplayMismatch):
        Playback(tree, arrays).stub("f")(np.zeros(3))
    with pytest.raises(ReplayMismatch):
        Playback(tree, arrays).stub("g")(np.ones(3))


def test_playback_raises_the_students_exception_as_a_builtin():
    tree, arrays = recorded([("f", (1,), {"raised": ["ShapeError", "ValueError", "Exception"], "message": "bad"})])
    with pytest.raises(ValueError, match="bad"):
        Playback(tree, arrays).stub("f")(1)


def test_gradients_and_tensor_subclasses_are_not_replayed():
    tree, arrays = recorded([("f", (1,), {"returned": 1})])
    with pytest.raises(Unreplayable):
        Playback(tree, arrays).stub("f")(torch.ones(2, requires_grad=True))


def notebook_with(solution: str, test: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_code_cell(solution),
                nbformat.v4.new_code_cell(test)]
    nb.cells[1].metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "answer"}
    nb.cells[2].metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "test", "points": 1}
    return nb


def verdict_for(tmp_path, returned):
    source = notebook_with("def square(x):\n    return x * x\n", "assert square(3) == 9\nnp.testing.assert_allclose(square(np.ones(2)), 1)\n")
    tree, arrays = recorded([("square", (3,), {"returned": returned}),
                             ("square", (np.ones(2),), {"returned": np.ones(2)})])
    codec.dump(tree, arrays, tmp_path / "test")
    return replay(source, source, tmp_path)["test"]


def test_replay_decides_with_its_own_asserts(tmp_path):
    assert verdict_for(tmp_path, 9).status == "passed"
    failed = verdict_for(tmp_path, 10)
    assert failed.status == "failed" and failed.error.startswith("AssertionError") and failed.ename == "AssertionError"
    assert failed.lineno == 1  # the trusted traceback points at the test's own line


def test_a_test_without_a_transcript_was_not_observed(tmp_path):
    source = notebook_with("def square(x):\n    return x * x\n", "assert square(3) == 9\n")
    assert replay(source, source, tmp_path)["test"].status == "unobserved"


class FakeShell:
    def __init__(self, namespace):
        self.user_ns = namespace


class FakeCell:
    def __init__(self, source):
        self.raw_cell = source


def test_harness_records_each_call_of_a_test_cell(tmp_path):
    harness = Harness({"test_cells": {cell_hash("test"): "t"}, "student_names": ["f"], "out_dir": str(tmp_path)})
    harness.take_snapshot([])
    namespace = {"f": lambda x: x * 2}
    harness.shell = FakeShell(namespace)
    harness.pre_run_cell(FakeCell("not a test"))
    assert not getattr(namespace["f"], "__grader_wrapped__", False)  # only test cells are recorded
    harness.pre_run_cell(FakeCell("test"))
    assert namespace["f"](np.arange(3))[2] == 4 and namespace["f"](5) == 10
    harness.post_run_cell(None)
    assert not getattr(namespace["f"], "__grader_wrapped__", False)  # unwrapped after the cell
    calls, arrays = codec.load(tmp_path / "t")
    assert [c["name"] for c in calls] == ["f", "f"]
    assert np.array_equal(codec.decode(calls[0]["args"], arrays)[0], np.arange(3))
    assert codec.decode(calls[1]["returned"], arrays) == 10


def test_harness_restores_patched_libraries(tmp_path):
    harness = Harness({"test_cells": {cell_hash("test"): "t"}, "student_names": ["f"], "out_dir": str(tmp_path)})
    harness.take_snapshot(["numpy.testing"])
    real = np.testing.assert_allclose
    try:
        np.testing.assert_allclose = lambda *a, **k: None
        harness.restore()
        assert np.testing.assert_allclose is real
    finally:
        np.testing.assert_allclose = real
