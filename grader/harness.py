"""Runs inside the sandboxed kernel: pristine libraries for tests, and a record of each call.

Loaded at kernel start, before any student cell (ipykernel's exec_lines).
Two jobs, both driven by IPython's pre/post_run_cell events:

* before each test cell, put back what the student's cells may have replaced:
  builtins, the modules already imported (numpy, numpy.testing, torch,
  torch.testing, math, ...) and their classes' methods, as they were at start;
* while a test cell runs, record every call it makes to a function the
  student wrote: the arguments before and after the call, and the value
  returned or the exception raised.  The record is written with `codec` and
  the trusted grader replays the test against it outside the sandbox, so the
  verdict never depends on code the student could change.

This is public: reading it tells a student nothing about the hidden tests.
It imports no grader code (it is copied into the sandbox on its own).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import random
import sys

try:
    import codec  # inside the sandbox: copied beside this file
except ImportError:
    from . import codec

PROTECTED_MODULES = ("builtins", "math", "random", "numpy", "numpy.testing", "numpy.linalg", "numpy.random",
                     "torch", "torch.testing", "torch.nn.functional", "unittest", "functools", "operator")
PROTECTED_CLASSES = ("torch.Tensor", "torch.nn.Module")


def cell_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


class Harness:
    def __init__(self, config: dict):
        self.tests = config["test_cells"]  # cell hash -> grade_id
        self.student_names = config["student_names"]
        self.out_dir = config["out_dir"]
        self.preload = config.get("preload", [])
        self.snapshot: dict[str, tuple[object, dict]] = {}
        self.current = None  # grade_id of the test cell running
        self.calls: list = []
        self.encoder = None
        self.depth = 0
        self.originals: dict[str, object] = {}

    # -- pristine libraries ---------------------------------------------------
    def take_snapshot(self, preload) -> None:
        """Import what the tests use (the grader lists it) and remember it as it is, before student code."""
        for name in ["numpy", "numpy.testing", *preload]:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        self.modules = dict(sys.modules)
        for name in PROTECTED_MODULES:
            if name in sys.modules:
                self.snapshot[name] = (sys.modules[name], dict(vars(sys.modules[name])))
        for dotted in PROTECTED_CLASSES:
            module_name, _, class_name = dotted.rpartition(".")
            module = sys.modules.get(module_name)
            if dotted not in self.snapshot and module is not None and hasattr(module, class_name):
                cls = getattr(module, class_name)
                self.snapshot[dotted] = (cls, dict(vars(cls)))

    def restore(self) -> None:
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
        for obj, original in self.snapshot.values():
            current = vars(obj)
            for key, value in original.items():
                if current.get(key, _MISSING) is not value:
                    try:
                        setattr(obj, key, value)
                    except (AttributeError, TypeError):
                        pass
            if isinstance(obj, type):  # a method added to a class shadows nothing we need; drop it
                for key in set(current) - set(original):
                    try:
                        delattr(obj, key)
                    except (AttributeError, TypeError):
                        pass

    # -- recording --------------------------------------------------------------
    def wrap_student_functions(self, namespace: dict) -> None:
        self.originals = {}
        for name in self.student_names:
            value = namespace.get(name)
            # Any callable but a class: a def, a lambda, functools.partial, an object with __call__ ...
            if callable(value) and not isinstance(value, type) and not getattr(value, "__grader_wrapped__", False):
                self.originals[name] = value
                namespace[name] = self.recording(name, value)

    def unwrap(self, namespace: dict) -> None:
        for name, original in self.originals.items():
            if getattr(namespace.get(name), "__grader_wrapped__", False):
                namespace[name] = original

    def recording(self, name, function):
        harness = self

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if harness.depth or harness.current is None:
                return function(*args, **kwargs)
            entry = {"name": name, "args": harness.encoder.encode(list(args)),
                     "kwargs": harness.encoder.encode(dict(kwargs))}
            states = _random_states()
            harness.depth += 1
            try:
                result = function(*args, **kwargs)
            except BaseException as error:
                entry["raised"] = [cls.__name__ for cls in type(error).__mro__]
                entry["message"] = str(error)[:1000]
                raise
            else:
                entry["returned"] = harness.encoder.encode(result)
            finally:
                harness.depth -= 1
                _set_random_states(states)  # the student's own randomness must not shift the test's inputs
                entry["args_after"] = harness.encoder.encode(list(args))
                harness.calls.append(entry)
            return result

        wrapper.__grader_wrapped__ = True
        return wrapper

    # -- IPython events ------------------------------------------------------------
    def pre_run_cell(self, info) -> None:
        grade_id = self.tests.get(cell_hash(info.raw_cell))
        if grade_id is None:
            return
        self.restore()
        self.current, self.calls, self.encoder = grade_id, [], codec.Encoder()
        self.wrap_student_functions(self.shell.user_ns)

    def post_run_cell(self, result) -> None:
        if self.current is None:
            return
        self.unwrap(self.shell.user_ns)
        try:
            codec.dump(self.calls, self.encoder.arrays, os.path.join(self.out_dir, self.current))
        finally:
            self.current, self.calls, self.encoder = None, [], None


_MISSING = object()


def _random_states():
    states = {"random": random.getstate()}
    if "numpy" in sys.modules:
        states["numpy"] = sys.modules["numpy"].random.get_state()
    if "torch" in sys.modules:
        states["torch"] = sys.modules["torch"].get_rng_state()
    return states


def _set_random_states(states) -> None:
    random.setstate(states["random"])
    if "numpy" in states:
        sys.modules["numpy"].random.set_state(states["numpy"])
    if "torch" in states:
        sys.modules["torch"].set_rng_state(states["torch"])


def install(config_path: str) -> None:
    with open(config_path) as file:
        harness = Harness(json.load(file))
    os.makedirs(harness.out_dir, exist_ok=True)
    harness.shell = get_ipython()  # noqa: F821  (defined in the kernel)
    harness.take_snapshot(harness.preload)
    harness.shell.events.register("pre_run_cell", harness.pre_run_cell)
    harness.shell.events.register("post_run_cell", harness.post_run_cell)
