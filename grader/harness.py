"""Runs inside the sandboxed kernel: it serves the grader's live calls, and records the tests it must run.

Loaded at kernel start, before any student cell (ipykernel's exec_lines).

* serve(): the grader runs each test in its own process (remote.py) and sends
  each call to a student's function, class or object here, as a request file
  that the grader pickled; the call runs, and its result goes back through
  `codec` (never pickle) as plain values, tensors, or handles on objects that
  stay here.  The test's source never comes here.  A watched value a test
  passes (watched.py) holds no values here: each operation on it asks the
  grader over the same connection (_ask_grader), and the grader answers.
* For a test that cannot run in the grader (it passes a lambda or a tensor
  subclass), the test cell runs here.  IPython's pre/post_run_cell events then
  put back what the student's cells may have replaced (builtins, the modules
  already imported and their classes' methods, as they were at start) and
  record every call the test makes to a function the student wrote, for the
  grader to replay (replay.py).

This is public: reading it tells a student nothing about the hidden tests.
It imports no grader code (it is copied into the sandbox on its own).
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import importlib
import io
import json
import os
import pickle
import random
import socket
import sys
import threading


try:  # inside the sandbox: copied beside this file
    import codec
    import watched
except ImportError:
    from . import codec, watched

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
        self.socket_path = config.get("socket")  # where the grader's live calls arrive
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
            states = random_states()
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
                set_random_states(states)  # the student's own randomness must not shift the test's inputs
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


def random_states() -> dict:
    """The generators of Python and of the libraries loaded, as plain values (torch's as a uint8 array)."""
    states = {"random": random.getstate()}
    if "numpy" in sys.modules:
        states["numpy"] = sys.modules["numpy"].random.get_state()
    if "torch" in sys.modules:
        states["torch"] = sys.modules["torch"].get_rng_state().numpy()
    return states


def set_random_states(states) -> None:
    """Set the generators of the libraries this kernel has loaded (never import one for it)."""
    random.setstate(states["random"])
    if "numpy" in states and "numpy" in sys.modules:
        sys.modules["numpy"].random.set_state(states["numpy"])
    torch = sys.modules.get("torch")
    if "torch" in states and torch is not None:
        torch.set_rng_state(torch.as_tensor(states["torch"], dtype=torch.uint8))


def install(config_path: str) -> None:
    with open(config_path) as file:
        harness = Harness(json.load(file))
    os.makedirs(harness.out_dir, exist_ok=True)
    harness.shell = get_ipython()  # noqa: F821  (defined in the kernel)
    harness.take_snapshot(harness.preload)
    _INSTALLED.append(harness)
    if harness.socket_path:
        listen(harness.socket_path)
    harness.shell.events.register("pre_run_cell", harness.pre_run_cell)
    harness.shell.events.register("post_run_cell", harness.post_run_cell)


# -- live calls: the trusted grader runs the test, the student's code runs here --------------------

class _Handles:
    """Objects of the student's side that the grader holds a reference to, by number."""

    def __init__(self):
        self.objects: dict[int, object] = {}
        self.numbers: dict[int, int] = {}  # id(object) -> its number: one object, one handle (and one proxy)
        self.graphs: dict[int, tuple] = {}  # a result that requires grad, and the leaf tensors it came from

    def add(self, value) -> int:
        number = self.numbers.get(id(value))
        if number is not None and self.objects.get(number) is value:
            return number
        number = len(self.objects) + 1
        self.objects[number] = value
        self.numbers[id(value)] = number
        return number

    def clear(self) -> None:
        self.objects.clear()
        self.numbers.clear()
        self.graphs.clear()


HANDLES = _Handles()
_INSTALLED: list = []  # the Harness of this kernel, once install() ran
LAZY_ELEMENTS = 2**20  # larger tensors (AlexNet's weights) cross only when a test reads them, in chunks


class HandleEncoder(codec.Encoder):
    """codec's plain values, plus tensors (values and a handle) and handles to any other object."""

    def encode(self, value, depth: int = 0):
        torch = sys.modules.get("torch")
        if torch is None or not isinstance(value, torch.Tensor):
            return super().encode(value, depth)
        plain = value.detach().as_subclass(torch.Tensor)
        tree = {"__rtensor__": HANDLES.add(value), "requires_grad": bool(value.requires_grad)}
        if plain.numel() > LAZY_ELEMENTS:  # the grader fetches it in chunks if a test reads its values
            return {**tree, "shape": list(plain.shape), "dtype": str(plain.dtype).removeprefix("torch.")}
        grad = value.grad if value.is_leaf else None  # a computed tensor has no .grad of its own
        return {**tree, "value": super().encode(plain, depth + 1),
                "grad": None if grad is None else super().encode(grad.detach().as_subclass(torch.Tensor))}

    def other(self, value):
        """Not a plain value: a handle, with the class lineage the grader uses for isinstance."""
        if isinstance(value, watched.Watched):  # the grader keeps its values: it knows it by number
            return {"__watched__": object.__getattribute__(value, "_number")}
        return {"__handle__": HANDLES.add(value), "mro": [f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__],
                "callable": callable(value)}


class _Unpickler(pickle.Unpickler):
    """The grader's request: its own pickle (trusted data), with handles and tensors by reference."""

    def __init__(self, file):
        super().__init__(file)
        self.leaves = []  # tensors the grader will want gradients for, in its order
        self.received = []  # the grader's arrays and tensors, to send back as the student's code left them

    def persistent_load(self, pid):
        kind = pid[0]
        if kind == "handle":
            return HANDLES.objects[pid[1]]
        if kind == "watched":
            return watched.make(pid[1], pid[2], _ask_grader)
        if kind == "given":  # a class of the notebook's given cells: the notebook's own, whatever it now is
            value = _user_namespace().get(pid[1])
            if not isinstance(value, type):
                raise NameError(f"the notebook has no class {pid[1]!r}: restore the given cell that defines it")
            return value
        if kind == "ndarray":
            self.received.append(pid[1])
            return pid[1]
        torch = importlib.import_module("torch")
        if kind == "param":
            return torch.nn.Parameter(pid[1], requires_grad=pid[2])
        if kind == "tensor":
            tensor = pid[1]
            if pid[2]:
                tensor.requires_grad_(True)
                self.leaves.append(tensor)
            self.received.append(tensor)
            return tensor
        raise pickle.UnpicklingError(f"unknown reference {kind!r}")


def serve(request_bytes: bytes) -> bytes:
    """Carry out one request of the grader (its own pickle) and return the answer (codec's bytes, never pickle)."""
    encoder = HandleEncoder()
    try:
        unpickler = _Unpickler(io.BytesIO(request_bytes))
        request = unpickler.load()
        set_random_states(pickle.loads(request["random"]))
        result = _carry_out(request, unpickler.leaves)
        answer = {"returned": encoder.encode(result),
                  "after": [codec.Encoder.encode(encoder, _plain(v)) for v in unpickler.received]}
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(result, torch.Tensor) and result.requires_grad and request.get("grad"):
            HANDLES.graphs[answer["returned"]["__rtensor__"]] = (result, unpickler.leaves)
            answer["graph"] = answer["returned"]["__rtensor__"]
    except BaseException as error:  # the student's code raised: the grader raises it in the test
        answer = {"raised": [cls.__name__ for cls in type(error).__mro__], "message": _message(error)}
        encoder = HandleEncoder()
    return codec.dumps(answer, encoder.arrays)


class _CallbackEncoder(codec.Encoder):
    """The arguments of an operation on a watched value: plain values, watched values by number, slices."""

    def encode(self, value, depth: int = 0):
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.Tensor) and type(value) is not torch.Tensor:
            value = value.detach().as_subclass(torch.Tensor)  # a Parameter: its values
        return super().encode(value, depth)

    def other(self, value):
        if isinstance(value, watched.Watched):
            return {"__watched__": object.__getattribute__(value, "_number")}
        if isinstance(value, slice):
            return {"__slice__": [self.encode(v) for v in (value.start, value.stop, value.step)]}
        if value is Ellipsis:
            return {"__ellipsis__": 0}
        if value in (float, int, bool, complex):
            return {"__pytype__": value.__name__}
        numpy = sys.modules.get("numpy")
        if isinstance(value, type) and numpy is not None and issubclass(value, numpy.generic):
            return {"__np_dtype__": numpy.dtype(value).str}
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.device):
            return {"__device__": str(value)}
        return super().other(value)


_CURRENT = threading.local()  # the grader's connection, while one of its requests is being served


def _ask_grader(number: int, op: str, name: str, args, kwargs):
    """One operation on a watched value, carried out by the grader (see watched.py)."""
    connection = getattr(_CURRENT, "connection", None)
    if connection is None:
        raise RuntimeError("a watched value works only during the grader's call")
    encoder = _CallbackEncoder()
    tree = {"by": number, "op": op, "name": name, "args": encoder.encode(list(args)), "kwargs": encoder.encode(dict(kwargs))}
    codec.send_message(connection, CALLBACK + codec.dumps(tree, encoder.arrays))
    answer = _Unpickler(io.BytesIO(codec.receive_message(connection))).load()
    if "raised" in answer:
        error = getattr(builtins, str(answer["raised"]), None)
        if not (isinstance(error, type) and issubclass(error, Exception)):
            error = TypeError
        raise error(answer["message"])
    return answer["value"]


def serve_connection(connection) -> None:
    """Answer the grader's requests on one connection until it closes it."""
    _CURRENT.connection = connection
    try:
        while True:
            request = codec.receive_message(connection)
            if request is None:
                break
            codec.send_message(connection, serve(request))
    except OSError:
        pass


CALLBACK = b"C"  # a message from the kernel that asks the grader to carry out an operation (answers start with "{")


def listen(path: str) -> None:
    """Serve the grader's requests on a Unix socket in the work folder, from a thread of the kernel.

    Each message is 8 bytes of length, then the bytes.  The grader connects
    once per kernel; student code runs in this thread while the kernel's main
    thread waits for cells, as it would during a cell.
    """
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def loop():
        while True:
            connection, _ = server.accept()
            with connection:
                serve_connection(connection)

    sys.setswitchinterval(0.0005)  # hand the interpreter to this thread quickly when a request arrives
    threading.Thread(target=loop, name="grader-calls", daemon=True).start()


def _carry_out(request: dict, leaves: list):
    op, user_ns = request["op"], _user_namespace()
    torch = sys.modules.get("torch")
    if op == "reset":  # a new test: no handles kept, and the libraries as they were before any student cell
        HANDLES.clear()
        if _INSTALLED:
            _INSTALLED[0].restore()
        return None
    if op == "backward":
        result, inputs = HANDLES.graphs[request["graph"]]
        for tensor in inputs:
            tensor.grad = None
        torch.autograd.backward(result, request["grad_output"])
        return [None if t.grad is None else t.grad for t in inputs]
    if op == "chunk":  # a slice of a large tensor's values, flattened
        tensor = HANDLES.objects[request["handle"]].detach().as_subclass(torch.Tensor).reshape(-1)
        chunk = tensor[request["start"]:request["stop"]]
        return (chunk.float() if chunk.dtype == torch.bfloat16 else chunk).numpy().copy()  # an array: never lazy
    if op == "write":
        tensor = HANDLES.objects[request["handle"]]
        with torch.no_grad():
            tensor.copy_(request["value"])
        if tensor.is_leaf and tensor.requires_grad != request["requires_grad"]:
            tensor.requires_grad_(request["requires_grad"])
        return None
    if "name" in request and request["name"] not in user_ns:
        raise NameError(f"name {request['name']!r} is not defined")
    target = user_ns[request["name"]] if "name" in request else HANDLES.objects[request["handle"]]
    if op == "call":
        context = torch.set_grad_enabled(request["grad"]) if torch is not None else _nothing()
        with context:
            return target(*request["args"], **request["kwargs"])
    if op == "getattr":
        return getattr(target, request["attribute"])
    if op == "setattr":
        return setattr(target, request["attribute"], request["value"])
    if op == "iter":
        return list(target)
    if op == "len":
        return len(target)
    if op == "bool":
        return bool(target)
    if op == "getitem":
        return target[request["key"]]
    raise ValueError(f"unknown request {op!r}")


def _user_namespace() -> dict:
    """The notebook's globals: the installed kernel's, or (in the grader's own tests) get_ipython()'s."""
    if _INSTALLED:
        return _INSTALLED[0].shell.user_ns
    return get_ipython().user_ns  # noqa: F821


def _plain(value):
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().as_subclass(torch.Tensor)
    return value


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _message(error: BaseException) -> str:
    try:
        return str(error)[:1000]
    except BaseException:
        return "(its message could not be read)"
