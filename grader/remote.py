"""Tests run in the trusted grader; the student's code runs in the sandbox, one live call at a time.

A test cell's source never reaches the student's kernel.  The grader runs it
here, in a namespace where each name the student defines is a proxy:

  * calling a student's function or class sends the call to the kernel, where
    harness.serve() runs it and sends the result back;
  * a result that is a plain value (numbers, strings, lists, dicts, arrays)
    comes back as a copy; a tensor comes back as a RemoteTensor, a copy that
    also writes in-place changes (`p.zero_()`, `w.copy_(...)`) back to the
    student's tensor; any other object (an nn.Module, a generator, a bound
    method) comes back as a RemoteObject, a live handle whose attributes,
    calls, iteration and `isinstance` checks go to the kernel;
  * gradients flow through a call: a result that needs one is tied to the
    call's inputs by an autograd function whose backward asks the kernel.

Requests travel over a Unix socket in the submission's work folder, served
by a thread of the kernel (harness.listen).  What goes to the kernel is the grader's own pickle (trusted data: the kernel
may unpickle it); what comes back is read with codec, never unpickled.  The
random generators (Python, NumPy, torch) are handed to the kernel with each
call, so seeds set by a test drive the student's randomness (dropout) as in a
notebook, but what the student's code draws never shifts the test's own inputs.

A test that passes something that cannot cross (a lambda, a tensor subclass
that counts operations, a torch.Generator) raises Unremotable: it is then run
in the kernel instead, recorded and replayed as before (replay.py).
"""

from __future__ import annotations

import ast
import functools
import io
import math
import pickle
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import codec
from .notebooks import is_test, nbgrader_meta, one_line
from .harness import CALLBACK, random_states, set_random_states
from .watched import Watched, leaves as leaf_values
from .replay import copy_into, failing_line, student_exception, student_names, test_namespace

# Trusted test code of several submissions runs in threads of one process: one runs at a time, and each
# keeps its own random generators across the waits for its kernel (see Session.wait).
TRUSTED = threading.Lock()


class Unremotable(BaseException):
    """The test passes the student's code something that cannot be sent to the kernel."""


class KernelLost(BaseException):
    """The kernel timed out or died during a call (BaseException: a test's `except Exception` cannot catch it)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "timeout", "dead", or "broken" (the kernel is alive but its answer is unusable)


@dataclass(frozen=True)
class RemoteResult:
    """One test run here: "passed", "failed" or "unremotable" (run it in the kernel instead)."""

    status: str
    error: str | None = None
    ename: str | None = None
    lineno: int | None = None


class Channel:
    """The Unix socket on which one kernel's harness serves requests (8 bytes of length, then the bytes)."""

    MAX_ANSWER = 256 * 2**20

    def __init__(self, path: Path, is_alive):
        self.path, self.is_alive, self.connection = str(path), is_alive, None

    def call(self, message: bytes, deadline: float, on_callback=None) -> bytes:
        """Send a request and return the kernel's answer; meanwhile, carry out the operations it asks for.

        While the student's code runs, it may ask the grader to operate on a
        watched value (observe.py): such a message starts with CALLBACK, and
        `on_callback` answers it.
        """
        try:
            if self.connection is None:
                self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.connection.settimeout(max(0.001, deadline - time.monotonic()))
                self.connection.connect(self.path)
            codec.send_message(self.connection, message)
            while True:
                answer = codec.receive_message(self.connection, deadline, self.MAX_ANSWER)
                if answer is None:
                    raise ConnectionResetError("the kernel closed the connection")
                if not answer.startswith(CALLBACK):
                    return answer
                if on_callback is None:
                    raise ValueError("an operation on a watched value, where none was given")
                codec.send_message(self.connection, on_callback(answer[len(CALLBACK):]))
        except (TimeoutError, socket.timeout):
            self.close()
            raise KernelLost("timeout" if self.is_alive() else "dead", "the kernel did not answer in time") from None
        except ValueError as problem:  # an answer too large to read: the connection is out of step now
            self.close()
            raise KernelLost("broken", f"the kernel's answer was refused ({problem})") from None
        except OSError as error:
            self.close()
            raise KernelLost("broken" if self.is_alive() else "dead", f"the kernel's harness is gone ({error})") from None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Session:
    """One test's calls into the kernel, over its channel."""

    def __init__(self, channel: Channel, call_timeout: float, deadline: float, given: dict | None = None):
        # Each call into the student's code may take call_timeout seconds (the cell timeout: the grader's
        # own work between calls does not count against the student), all of them together until deadline.
        self.channel, self.call_timeout, self.deadline = channel, call_timeout, deadline
        self.proxies: dict[int, RemoteObject] = {}
        self.watched: dict[int, Watched] = {}  # the watched values this test sent, or made for the kernel
        self.given = given or {}  # the classes of the notebook's given cells, by name (sent by name: see _Pickler)

    def request(self, op: str, **fields):
        fields.update(op=op, random=pickle.dumps(random_states()))  # plain pickle: no references
        buffer = io.BytesIO()
        pickler = _Pickler(buffer, self.watched, self.given)
        try:
            pickler.dump(fields)
        except Exception as error:  # a lambda, a generator object ... (Unremotable is no Exception: it passes)
            raise Unremotable(f"cannot send {type(error).__name__}: {error}") from None
        try:
            tree, arrays = codec.loads(self.wait(buffer.getvalue()))
        except ValueError as problem:
            raise KernelLost("broken", f"the kernel's answer could not be read ({problem})") from None
        if "raised" in tree:
            raise student_exception([str(n) for n in tree["raised"]], str(tree.get("message", "")))
        for original, changed in zip(pickler.sent, tree.get("after") or []):
            copy_into(original, codec.decode(changed, arrays))  # the student's code modified its input
        value = self.decode(tree.get("returned"), arrays)
        return value, tree.get("graph"), pickler.leaves

    def wait(self, message: bytes) -> bytes:
        """Send a request and wait for the answer; other submissions' trusted code may run meanwhile."""
        states = random_states()
        TRUSTED.release()
        try:
            return self.channel.call(message, min(time.monotonic() + self.call_timeout, self.deadline), self.callback)
        finally:
            TRUSTED.acquire()
            set_random_states(states)

    def callback(self, message: bytes) -> bytes:
        """Carry out an operation the student's code did on a watched value (observe.py), as trusted code."""
        with TRUSTED:
            states = random_states()
            try:
                tree, arrays = codec.loads(message)
                args = codec.decode(tree["args"], arrays, self._arguments)
                kwargs = codec.decode(tree["kwargs"], arrays, self._arguments)
                owner = self.watched[int(tree["by"])]
                if not isinstance(args, list) or not isinstance(kwargs, dict) or any(
                        not isinstance(k, str) for k in kwargs):
                    raise TypeError("malformed arguments")
                opaque = next((a for a in leaf_values((args, kwargs)) if isinstance(a, codec.Opaque)), None)
                if opaque is not None:
                    raise TypeError(f"a {opaque.type_name} cannot be passed to an operation on a watched value")
                answer = {"value": owner._perform(int(tree["by"]), str(tree["op"]), str(tree["name"]), args, kwargs)}
            except Exception as error:  # the student's code asked for something refused or impossible
                name = type(error).__name__ if type(error).__module__ == "builtins" else "TypeError"
                answer = {"raised": name, "message": one_line(_text(error))[:300]}
            finally:
                set_random_states(states)
            buffer = io.BytesIO()
            _Pickler(buffer, self.watched, self.given).dump(answer)
            return buffer.getvalue()

    def _arguments(self, tree: dict, arrays):
        """codec's decoder, plus what an operation on a watched value may pass: watched values and slices."""
        if "__watched__" in tree:
            return self.watched[int(tree["__watched__"])]
        if "__slice__" in tree:
            return slice(*(codec.decode(v, arrays) for v in tree["__slice__"][:3]))
        if "__ellipsis__" in tree:
            return Ellipsis
        if "__pytype__" in tree:
            return {"float": float, "int": int, "bool": bool, "complex": complex}[str(tree["__pytype__"])]
        if "__device__" in tree:
            return str(tree["__device__"])
        return NotImplemented

    # -- values from the kernel ------------------------------------------------------------------
    def decode(self, tree, arrays):
        return codec.decode(tree, arrays, self._handles)

    def _handles(self, tree: dict, arrays):
        """codec's decoder, plus the kernel's handles and tensors, and the watched values it returns."""
        if "__watched__" in tree:
            number = int(tree["__watched__"])
            if number not in self.watched:
                raise ValueError("an unknown watched value")
            return self.watched[number]
        if "__handle__" in tree:
            number = int(tree["__handle__"])
            if number not in self.proxies:
                self.proxies[number] = RemoteObject(self, number, [str(n) for n in tree.get("mro", [])],
                                                    bool(tree.get("callable")))
            return self.proxies[number]
        if "__rtensor__" in tree:
            import torch

            number = int(tree["__rtensor__"])
            if "value" in tree:
                value, lazy = codec.decode(tree["value"], arrays), False
            else:  # a large tensor: its shape now, its values when a test reads them
                shape = [int(n) for n in tree["shape"]]
                if math.prod(shape) > MAX_LAZY_ELEMENTS:  # the kernel says how big: never trust it with our memory
                    raise ValueError(f"a tensor of shape {shape[:8]} is larger than the grader accepts")
                value, lazy = torch.empty(shape, dtype=codec.torch_dtype(tree["dtype"])), True
            tensor = remote_tensor_class().wrap(value, self, number, lazy)
            with torch._C.DisableTorchFunctionSubclass():
                if tree.get("requires_grad") and (tensor.is_floating_point() or tensor.is_complex()):
                    tensor.requires_grad_(True)
                    grad = codec.decode(tree["grad"], arrays) if tree.get("grad") is not None else None
                    if isinstance(grad, torch.Tensor) and grad.shape == tensor.shape:
                        tensor.grad = grad.to(tensor.dtype)
            return tensor
        return NotImplemented

    # -- the operations --------------------------------------------------------------------------
    def call(self, fields: dict, args, kwargs):
        torch = sys.modules.get("torch")  # loaded by the test if it uses tensors; never loaded for nothing
        grad = torch is not None and torch.is_grad_enabled()
        value, graph, leaves = self.request("call", args=list(args), kwargs=dict(kwargs), grad=grad, **fields)
        if graph is not None and grad:
            return _bridge_class().apply(self, graph, value.as_subclass(torch.Tensor).detach(),
                                 torch.zeros((), requires_grad=True), *leaves)
        return value


class _Pickler(pickle.Pickler):
    """The grader's side of a request: handles and tensors by reference, everything else as pickle."""

    def __init__(self, file, watched: dict, given: dict):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.watched = watched  # number -> the grader's watched value, for the kernel's stand-ins to name
        self.given = given  # name -> a class the notebook's given cells define (the tests build them here)
        self.leaves = []  # tensors that require grad, in the order the kernel will return their gradients
        self.sent = []  # arrays and tensors, in the order the kernel returns them as the student left them
        self.payloads: list = []  # the copies a reference carries: pickled as they are

    def payload(self, value):
        self.payloads.append(value)
        return value

    def persistent_id(self, obj):
        if any(obj is payload for payload in self.payloads):
            return None
        if isinstance(obj, type) and self.given.get(obj.__qualname__) is obj:
            # A model of the notebook's given code (the chapter's GPT) that a test built here: its state goes
            # by value, its class by name, so the kernel rebuilds it with the notebook's own class.  What the
            # student's code then does with it comes back as values, which the test compares with what the
            # same model computes here.
            return ("given", obj.__qualname__)
        if isinstance(obj, Watched):  # only its number and shape go: the values stay here (observe.py)
            number = object.__getattribute__(obj, "_number")
            self.watched[number] = obj
            return ("watched", number, object.__getattribute__(obj, "_meta"))
        if isinstance(obj, RemoteObject):
            return ("handle", object.__getattribute__(obj, "_number"))
        if type(obj) is np.ndarray:
            self.sent.append(obj)
            return ("ndarray", self.payload(obj.copy()))
        if isinstance(obj, np.ndarray):
            raise Unremotable(f"the test passes a {type(obj).__name__}, an array subclass that observes the call")
        torch = sys.modules.get("torch")
        if torch is None or not isinstance(obj, torch.Tensor):
            return None
        if isinstance(obj, remote_tensor_class()):
            return ("handle", obj._number)
        if isinstance(obj, torch.nn.Parameter):
            return ("param", self.payload(obj.detach().clone()), bool(obj.requires_grad))
        if type(obj) is not torch.Tensor:
            raise Unremotable(f"the test passes a {type(obj).__name__}, a tensor subclass that observes the call")
        if obj.requires_grad:
            self.leaves.append(obj)
        self.sent.append(obj)
        return ("tensor", self.payload(obj.detach().clone()), bool(obj.requires_grad))


@functools.cache
def _bridge_class():
    """The autograd function, made on first use: the grader imports torch only when a test does."""
    import torch

    class Bridge(torch.autograd.Function):
        """A result computed in the kernel, tied to the test's tensors: backward asks the kernel."""

        @staticmethod
        def forward(ctx, session, graph, value, anchor, *leaves):
            ctx.session, ctx.graph, ctx.n_leaves = session, graph, len(leaves)
            return value.clone()

        @staticmethod
        def backward(ctx, grad_output):
            grads, _, _ = ctx.session.request("backward", graph=ctx.graph, grad_output=grad_output.detach().clone())
            grads = [None if g is None else torch.as_tensor(g).as_subclass(torch.Tensor) for g in grads]
            return (None, None, None, None, *grads[:ctx.n_leaves])

    return Bridge


class RemoteObject:
    """A live handle on an object in the student's kernel."""

    __slots__ = ("_session", "_number", "_mro", "_callable", "__weakref__")

    def __init__(self, session: Session, number: int, mro: list[str], is_callable: bool):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_number", number)
        object.__setattr__(self, "_mro", mro)
        object.__setattr__(self, "_callable", is_callable)

    def _ask(self, op, **fields):
        return self._session.request(op, handle=self._number, **fields)[0]

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", attribute=name)

    def __setattr__(self, name, value):
        self._ask("setattr", attribute=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._session.call({"handle": self._number}, args, kwargs)

    def __iter__(self):
        return iter(self._ask("iter"))

    def __len__(self):
        return self._ask("len")

    def __bool__(self):
        return bool(self._ask("bool"))

    def __getitem__(self, key):
        return self._ask("getitem", key=key)

    @property
    def __class__(self):
        return local_class(self._mro)

    def __repr__(self):
        return f"<{self._mro[0] if self._mro else 'object'} in the student's kernel>"


def local_class(mro: list[str]):
    """The first class of the object's lineage that the grader has itself (torch's, numpy's): for isinstance."""
    for dotted in mro:
        module_name, _, qualname = dotted.rpartition(".")
        if not module_name.startswith(("torch", "numpy")) or "<" in qualname:
            continue
        module = sys.modules.get(module_name)
        cls = getattr(module, qualname, None) if module is not None and "." not in qualname else None
        if isinstance(cls, type):
            return cls
    return RemoteObject


class RemoteFunction:
    """A student's function (or any callable name), looked up in the kernel at each call."""

    def __init__(self, session: Session, name: str):
        self._session, self.__name__ = session, name

    def __call__(self, *args, **kwargs):
        return self._session.call({"name": self.__name__}, args, kwargs)

    def __repr__(self):
        return f"<{self.__name__} in the student's kernel>"


class _RemoteClassMeta(type):
    """A student's class, by name: calling it builds one in the kernel; isinstance asks its lineage."""

    def __call__(cls, *args, **kwargs):
        return cls._session.call({"name": cls.__name__}, args, kwargs)

    def __instancecheck__(cls, instance):
        return type(instance) is RemoteObject and any(
            dotted.rpartition(".")[2] == cls.__name__ for dotted in object.__getattribute__(instance, "_mro"))

    def __subclasscheck__(cls, subclass):
        return subclass is cls


def remote_class(session: Session, name: str):
    return _RemoteClassMeta(name, (), {"_session": session})


def _torch_function():
    import torch

    def torch_function(cls, func, types, args=(), kwargs=None):
        """Compute as a plain tensor; an in-place change of a student's tensor is also made in the kernel."""
        name = getattr(func, "__name__", "")
        if name == "__get__":
            name = "get " + getattr(getattr(func, "__self__", None), "__name__", "")
        if name not in METADATA:
            for value in leaf_values((args, kwargs)):
                if isinstance(value, remote_tensor_class()):
                    value._load()
        with torch._C.DisableTorchFunctionSubclass():
            result = func(*args, **(kwargs or {}))
        target = args[0] if args else None
        in_place = (name.endswith("_") and not name.startswith("_")) or name in IN_PLACE_DUNDERS
        if in_place and isinstance(target, remote_tensor_class()):
            target._write_back()
            return target
        return result

    return torch_function


# What a lazy tensor answers without its values.
METADATA = {"get shape", "get dtype", "get device", "get requires_grad", "get grad", "get is_leaf", "get ndim",
            "get layout", "get grad_fn", "get names", "size", "dim", "numel", "nelement", "element_size",
            "is_floating_point", "is_complex", "ndimension", "requires_grad_", "__len__", "__repr__", "__format__"}


# requires_grad_ and friends end in "_" too; the setters (`p.grad = ...`, `p.data = ...`) are not written back.
IN_PLACE_DUNDERS = {"__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__ipow__",
                    "__iand__", "__ior__", "__ixor__"}


@functools.cache
def remote_tensor_class():
    """RemoteTensor, a torch.Tensor subclass made on first use: the grader imports torch only when a test does."""
    import torch

    class RemoteTensor(torch.Tensor):
        __torch_function__ = classmethod(_torch_function())

        @staticmethod
        def wrap(value, session, number, lazy=False):
            with torch._C.DisableTorchFunctionSubclass():
                tensor = value.as_subclass(RemoteTensor)
                tensor._session, tensor._number, tensor._lazy = session, number, lazy
            return tensor

        def _load(self):
            """Fetch a lazy tensor's values, in chunks the sandbox's file-size limit allows."""
            with torch._C.DisableTorchFunctionSubclass():
                if not self._lazy:
                    return
                self._lazy = False
                flat = self.detach().view(-1)
                for start in range(0, flat.numel(), CHUNK_ELEMENTS):
                    stop = min(start + CHUNK_ELEMENTS, flat.numel())
                    chunk = self._session.request("chunk", handle=self._number, start=start, stop=stop)[0]
                    flat[start:stop] = torch.from_numpy(chunk).to(flat.dtype)

        def _write_back(self):
            self._lazy = False  # the test set its values (an in-place op on a lazy tensor loaded it first)
            with torch._C.DisableTorchFunctionSubclass():
                plain = self.detach().clone().as_subclass(torch.Tensor)
                requires_grad = bool(self.requires_grad)
                session, number = self._session, self._number
            session.request("write", handle=number, value=plain, requires_grad=requires_grad)

    return RemoteTensor


CHUNK_ELEMENTS = 2**22  # 16 MB of float32 per answer file
MAX_LAZY_ELEMENTS = 2**28  # 1 GB of float32: AlexNet's largest weight is 2**25


class RemoteTests:
    """Runs the test cells of one submission here, each against the kernel of the moment."""

    def __init__(self, source):
        self.source = source
        self.tests = {nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if is_test(c)}
        self.functions, self.classes = student_names(source)
        self.channel: Channel | None = None
        self.namespace: dict | None = None
        self.given: dict = {}

    def new_kernel(self, channel: Channel) -> None:
        """A (re)started kernel: the tests' own state starts afresh too, as the kernel's does."""
        if self.channel is not None:
            self.channel.close()
        self.channel, self.namespace = channel, None

    def run(self, grade_id: str, call_timeout: float, deadline: float) -> RemoteResult:
        filename = f"<test {grade_id}>"
        with TRUSTED:
            if self.namespace is None:
                self.namespace = test_namespace(self.source, "__grader_test__")
                self.given = {name: value for name, value in self.namespace.items()
                              if isinstance(value, type) and value.__module__ == "__grader_test__"}
            session = Session(self.channel, call_timeout, deadline, self.given)
            for name in self.functions:
                self.namespace[name] = RemoteFunction(session, name)
            for name in self.classes:
                self.namespace[name] = remote_class(session, name)
            rebound = rebound_name(self.tests[grade_id], {*self.functions, *self.classes})
            if rebound is not None:
                return RemoteResult("unremotable", f"Unremotable: the test rebinds the student's name {rebound!r}, "
                                                   "which only the kernel's namespace has")
            try:
                session.request("reset")
                exec(compile(self.tests[grade_id], filename, "exec"), self.namespace)
            except Unremotable as why:
                return RemoteResult("unremotable", f"Unremotable: {why}")
            except KernelLost as lost:
                if lost.kind == "broken":
                    return RemoteResult("failed", f"GradingError: {lost}", "GradingError", failing_line(lost, filename))
                raise
            except Exception as error:
                return RemoteResult("failed", one_line(f"{type(error).__name__}: {_text(error)}"), type(error).__name__,
                                    failing_line(error, filename))
        return RemoteResult("passed")


def rebound_name(test_source: str, names: set[str]) -> str | None:
    """A student's name the test assigns, deletes or declares global, if any.

    nbgrader's documentation checks that one answer uses another by deleting
    it (`del squares`) and calling the other: that changes the notebook's
    namespace, so such a test runs in the kernel (and is replayed here).
    """
    try:
        tree = ast.parse(test_source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and node.id in names:
            return node.id
        if isinstance(node, (ast.Global, ast.Nonlocal)) and set(node.names) & names:
            return sorted(set(node.names) & names)[0]
    return None


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return "(no message)"
