"""Decide each test's verdict in the trusted grader, from what the sandbox recorded.

In the sandbox, each test cell ran against the student's code and the
harness recorded every call it made to a student function (arguments before
and after, result or exception).  Here the same test cells run again, in a
fresh namespace with genuine libraries, and each student function is a stub
that checks it gets the same arguments and then plays back the recorded
result.  The asserts, numpy.testing, torch.testing ... that decide the
verdict are therefore ours, not the notebook's: patching them in the
notebook cannot turn a wrong answer into marks.

Some tests cannot be played back from values: tests that build a student's
class (an nn.Module), take gradients through a student function, or pass it
a tensor subclass to count its operations.  For those the sandbox's own
verdict stands (the harness restored the libraries before the test ran);
`Replay.status` says which kind each test is, and judge.py combines the two.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import codec
from .notebooks import grade_cells, is_test, nbgrader_meta, one_line


# Both derive from BaseException so that a test's own `except Exception:` cannot swallow them.
class Unreplayable(BaseException):
    """This test depends on more than the values its calls returned."""


class ReplayMismatch(BaseException):
    """The test's calls differ from the ones it made in the sandbox."""


def student_names(notebook) -> tuple[list[str], list[str]]:
    """(functions, classes) defined at the top level of the source's solution cells."""
    answers = tuple(cell.source for cell in notebook.cells
                    if cell.cell_type == "code" and nbgrader_meta(cell).get("solution"))
    return _defined_names(answers)


_PARSING = threading.Lock()  # CPython 3.11's ast.parse is not safe to call from several threads at once


@functools.lru_cache(maxsize=64)
def _defined_names(sources: tuple[str, ...]) -> tuple[list[str], list[str]]:
    functions, classes = [], []
    with _PARSING:
        trees = [ast.parse(source) for source in sources]
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append(node.name)
            elif isinstance(node, ast.ClassDef):
                classes.append(node.name)
    return functions, classes


def imported_modules(notebook) -> list[str]:
    """Modules the source notebook's set-up and answer cells import (the harness loads them before student code).

    Test cells do not count: they run in the grader, which imports what they need itself.  (A test that must run
    in the kernel imports its modules there when it runs.)  So a NumPy exercise whose tests compare with torch
    never pays for torch in the kernel.
    """
    names = set()
    for cell in notebook.cells:
        if cell.cell_type != "code" or is_test(cell):
            continue
        try:
            with _PARSING:
                tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return sorted(names)


def same(a, b) -> bool:
    """Exact equality of two decoded values (arrays: same dtype, shape and bits)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return type(a) is type(b) and a == b


def encoded(value):
    """A value as the sandbox would have recorded it, decoded again (tensors become numpy here)."""
    encoder = codec.Encoder()
    tree = encoder.encode(value)
    return _plain(tree, encoder.arrays)


def _plain(tree, arrays):
    """Decode, but keep tensors as (dtype name, numpy array) so they compare exactly."""
    if isinstance(tree, list):
        return [_plain(v, arrays) for v in tree]
    if isinstance(tree, dict):
        if "__tensor__" in tree:
            return ("tensor", tree["dtype"], arrays[tree["__tensor__"]], tree["requires_grad"])
        if "__opaque__" in tree:
            raise Unreplayable(f"an argument of type {tree['__opaque__']} cannot be recorded")
        if "__tuple__" in tree:
            return tuple(_plain(v, arrays) for v in tree["__tuple__"])
        if "__dict__" in tree:
            return {repr(_plain(k, arrays)): _plain(v, arrays) for k, v in tree["__dict__"]}
    return codec.decode(tree, arrays) if isinstance(tree, dict) else tree


class Playback:
    """Stubs for the student's functions that play back one test cell's recorded calls."""

    def __init__(self, calls: list, arrays: list):
        self.calls, self.arrays, self.position = calls, arrays, 0

    def stub(self, name: str):
        def student_function(*args, **kwargs):
            return self.play(name, args, kwargs)

        student_function.__name__ = name
        return student_function

    def play(self, name, args, kwargs):
        for value in [*args, *kwargs.values()]:
            _check_replayable(value)
        if self.position >= len(self.calls):
            raise ReplayMismatch(f"{name}() was called more often than in the notebook's run of this test")
        call = self.calls[self.position]
        self.position += 1
        if call["name"] != name:
            raise ReplayMismatch(f"expected a call to {call['name']}(), got {name}()")
        if not same(encoded(list(args)), _plain(call["args"], self.arrays)) or not same(
                encoded(dict(kwargs)), _plain(call["kwargs"], self.arrays)):
            raise ReplayMismatch(
                f"the inputs this test passed to {name}() differ from those it passed in your notebook "
                "(did a cell change a library function or a random generator?)")
        after = codec.decode(call["args_after"], self.arrays)
        for argument, changed in zip(args, after):
            copy_into(argument, changed)  # the student's function modified its input: so does the stub
        if "raised" in call:
            raise student_exception(call["raised"], call.get("message", ""))
        return codec.decode(call["returned"], self.arrays)


def _loaded_torch():
    """torch if something (a test's imports) loaded it; the grader itself never imports it for nothing."""
    return sys.modules.get("torch")


def _check_replayable(value) -> None:
    torch = _loaded_torch()
    if torch is not None and isinstance(value, torch.Tensor):
        if type(value) is not torch.Tensor:
            raise Unreplayable("a tensor subclass observes the call")
        if value.requires_grad:
            raise Unreplayable("the test takes gradients through the call")
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        raise Unreplayable("an array subclass observes the call")
    if callable(value) and not isinstance(value, type):
        raise Unreplayable("the test passes a function")
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_replayable(item)


def copy_into(argument, value) -> None:
    """Put the student's changes to an input back into the test's own array or tensor."""
    torch = _loaded_torch()
    if isinstance(argument, np.ndarray) and isinstance(value, np.ndarray) and argument.shape == value.shape:
        if not np.array_equal(argument, value, equal_nan=argument.dtype.kind in "fc"):
            argument[...] = value
    elif torch is not None and isinstance(argument, torch.Tensor) and isinstance(value, torch.Tensor):
        if argument.shape == value.shape and not torch.equal(argument, value.to(argument.dtype)):
            with torch.no_grad():
                argument.copy_(value)


BUILTIN_EXCEPTIONS = {name: cls for name, cls in vars(__import__("builtins")).items()
                      if isinstance(cls, type) and issubclass(cls, BaseException)}


def student_exception(mro_names: list[str], message: str) -> BaseException:
    """The student's exception as the closest built-in class (a student's ValueError subclass stays a ValueError)."""
    for name in mro_names:
        cls = BUILTIN_EXCEPTIONS.get(name)
        if cls is not None and name not in ("BaseException", "object"):
            if issubclass(cls, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                return RuntimeError(f"{mro_names[0]}: {message}")
            try:
                return cls(message)
            except Exception:
                return RuntimeError(f"{mro_names[0]}: {message}")
    return RuntimeError(f"{mro_names[0] if mro_names else 'Exception'}: {message}")


def failing_line(error: BaseException, filename: str) -> int | None:
    """The last line of the test cell itself in the error's traceback (the assert, or the call that raised)."""
    line = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == filename:
            line = lineno
    return line


def test_namespace(source, name: str) -> dict:
    """Globals for the tests: the instructor's set-up cells (imports) run, never a cell from the submission.

    A set-up cell that fails here fails in the kernel too, where it is reported.
    """
    namespace: dict = {"__name__": name}
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and not meta.get("solution") and not meta.get("grade"):
            try:
                exec(compile(cell.source, "<set-up>", "exec"), namespace)
            except Exception:
                pass
    return namespace


def replay(notebook, source, transcripts: Path, only: set[str] | None = None) -> dict[str, Replay]:
    """What the trusted replay says of every test cell of the executed `notebook`.

    `source` is the instructor's notebook: it says which names are the
    student's, and it is where the tests' text comes from (never the
    submission).  A test with no transcript was not observed (it did not
    run, or the notebook tampered with the harness).  `only`: replay just these tests.
    """
    tests = {gid: cell.source for gid, cell in grade_cells(source).items()
             if not nbgrader_meta(cell).get("solution") and (only is None or gid in only)}
    results = {}
    if not tests:
        return results
    functions, classes = student_names(source)
    namespace = test_namespace(source, "__grader_replay__")
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if cell.cell_type != "code" or grade_id not in tests:
            continue
        try:
            tree, arrays = codec.load(transcripts / grade_id)
        except ValueError as problem:
            results[grade_id] = Replay("unobserved", f"GradingError: this test could not be observed ({problem})")
            continue
        playback = Playback(tree, arrays)
        for name in functions:
            namespace[name] = playback.stub(name)
        for name in classes:
            namespace[name] = _unreplayable_class(name)
        results[grade_id] = _replay_one(grade_id, tests[grade_id], namespace, playback)
    return results


@dataclass(frozen=True)
class Replay:
    """One test played back: "passed", "failed", "unreplayable" or "unobserved"."""

    status: str
    error: str | None = None  # "ErrorType: message", for instructors
    ename: str | None = None  # the failure's exception class (a built-in or a grader class)
    lineno: int | None = None  # the line of the test cell that failed, from the trusted traceback


def _replay_one(grade_id, source, namespace, playback) -> Replay:
    filename = f"<test {grade_id}>"
    try:
        exec(compile(source, filename, "exec"), namespace)
    except Unreplayable as why:
        return Replay("unreplayable", f"Unreplayable: {why}")
    except ReplayMismatch as mismatch:
        return Replay("failed", f"ReplayMismatch: {mismatch}", "ReplayMismatch", failing_line(mismatch, filename))
    except Exception as error:  # the test failed on the recorded values
        return Replay("failed", one_line(f"{type(error).__name__}: {error}"), type(error).__name__,
                      failing_line(error, filename))
    if playback.position != len(playback.calls):
        return Replay("failed", "ReplayMismatch: the test made fewer calls than in your notebook's run", "ReplayMismatch")
    return Replay("passed")


class _UnreplayableClass(type):
    """Stands for a student's class: building or checking against it ends the replay."""

    def __call__(cls, *args, **kwargs):
        raise Unreplayable(f"the test builds a {cls.__name__}")

    def __instancecheck__(cls, instance):
        raise Unreplayable(f"the test checks for a {cls.__name__}")

    def __subclasscheck__(cls, subclass):
        raise Unreplayable(f"the test checks for a {cls.__name__}")


def _unreplayable_class(name):
    return _UnreplayableClass(name, (), {})
