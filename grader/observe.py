"""The trusted observer: hidden tests watch how a student's function computes, from the grader's side.

    seen = Observer()
    A, B = seen.watch(A, "A"), seen.watch(B, "B")
    C = seen.value(tiled_matmul(A, B, tile=8))
    assert seen.largest_product() <= 8 and not seen.leaks(C)

`watch` gives a stand-in that holds no values (watched.py).  The student's
function gets the stand-ins; each operation it does on them comes back here
(in the grading kernel: over the grader's socket; in a notebook: directly),
is checked against what a watched value may do, carried out on the real
values, and written down.  The verdict reads only what was written here, so
nothing the student's code changes in its own kernel can alter it.

What is written down, per operation: the function (`numpy.matmul`,
`torch.Tensor.softmax`, ...), the shapes of its array operands, and for each
value its lineage:

* `sources`: the watched inputs it depends on;
* `block_of`: the input it is a piece of, through indexing, copies, casts and
  padding only (a block of A), else None;
* `raw`: the inputs it depends on *other than through a product of blocks of
  inputs*.  A tiled product's partial results have no raw inputs; `A * 1.0`,
  or a product of a block of A with a matrix of the student's own making,
  still has A.

An *export* is values read out into the student's kernel (`np.asarray`,
`.tolist()`, `float()`, a comparison's bool): once there, they are out of
sight, so a test forbids exports of raw inputs (`leaks`).

A watched value may use the array functions of NumPy and torch (operators,
indexing, methods, `numpy.*`, `torch.*`, `torch.nn.functional.*`,
`torch.linalg.*`), never anything that reads or writes files, draws random
numbers, changes the library's settings or reaches memory the values do not
own (`as_strided`, `empty_like`); integer arguments and results are
bounded, so the student's code cannot make the grader allocate without limit.
"""

from __future__ import annotations

import itertools
import math
import sys
from dataclasses import dataclass, field

import numpy as np

from .watched import Watched, leaves, make

# Functions that multiply their operands together (elementwise products count: a broadcast product is a product).
PRODUCTS = {"matmul", "__matmul__", "__rmatmul__", "dot", "vdot", "inner", "outer", "einsum", "tensordot", "mm",
            "bmm", "mv", "addmm", "baddbmm", "addbmm", "kron", "multiply", "mul", "__mul__", "__rmul__", "linear",
            "bilinear", "prod", "cumprod", "chain_matmul", "multi_dot"}
# Functions whose result is a piece or copy of their one array operand: a block of A is still a block of A.
PIECES = {"__getitem__", "astype", "copy", "clone", "pad", "ascontiguousarray", "contiguous", "to", "float",
          "double", "half", "T", "mT", "transpose", "swapaxes", "permute", "reshape", "view", "squeeze", "unsqueeze",
          "expand_dims", "narrow", "type_as", "__array__", "numpy", "asarray", "array", "ravel", "flatten"}
# Functions of an operand's shape and dtype only, not of its values.
SHAPE_ONLY = {"zeros_like", "ones_like", "full_like", "new_zeros", "new_ones", "new_full",
              "shape", "ndim", "size", "dim", "numel", "result_type", "stride", "is_contiguous", "element_size",
              "nbytes", "itemsize", "is_floating_point", "is_complex", "get_device", "dtype", "device", "strides"}
# Reading values out into the student's kernel.
EXPORTS = {"__array__", "tolist", "item", "numpy", "__float__", "__int__", "__index__", "__bool__", "__complex__",
           "tobytes", "data_ptr"}
# Words no permitted function name contains: files, randomness, settings, autograd, internals, and memory the
# values do not own (as_strided and friends read past an array's end; empty_like hands out uninitialised memory,
# which may hold what the grader freed before).
DENIED = ("strided", "empty", "field", "ctypes", "base", "unsafe",
          "save", "load", "file", "dump", "memmap", "txt", "genfrom", "fromregex", "frombuffer", "seed", "rand",
          "normal_", "uniform_", "bernoulli", "multinomial", "poisson", "dropout", "set_", "print", "compile", "jit",
          "hub", "register", "backend", "cuda", "mps", "thread", "determin", "storage", "share_memory", "pin_memory",
          "apply_", "map_", "map2_", "distributed", "library", "utils", "testing", "backward", "grad", "hook",
          "retain", "setflags", "resize", "errstate", "seterr", "show", "info", "lookfor", "source", "who")
ALLOWED_DUNDERS = {"__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                   "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__",
                   "__matmul__", "__rmatmul__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
                   "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__neg__", "__pos__", "__abs__",
                   "__invert__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__getitem__",
                   "__setitem__", "__float__", "__int__", "__index__", "__bool__", "__complex__", "__array__",
                   "__call__", "__get__"}
ROOTS = ("numpy", "torch")
MAX_ELEMENTS = 2**24  # the largest value a watched operation may make (64 MB of float32)
MAX_INTEGER = 2**16  # the largest integer argument (sizes, repeats, paddings)
MAX_WORK = 2**28  # the largest operand times the product of the integer arguments

_numbers = itertools.count(1)


@dataclass
class Node:
    """What the grader knows of one value: the value itself and where it came from."""

    value: object
    sources: frozenset = frozenset()
    raw: frozenset = frozenset()
    block_of: str | None = None


@dataclass(frozen=True)
class Call:
    """One operation the student's code did on watched values."""

    name: str  # the full name, e.g. numpy.matmul.__call__ or torch.Tensor.__matmul__
    short: str  # the function's own name: matmul, __matmul__
    shapes: tuple  # the shapes of its array operands, watched or not
    product_of_blocks: bool
    made: tuple = ()  # the shapes of the arrays it made


@dataclass(frozen=True)
class Export:
    """Values read out into the student's kernel."""

    name: str
    shape: tuple
    raw: frozenset


@dataclass
class Observer:
    """Watches values given to a student's function, and what is done with them (see the module docstring)."""

    calls: list = field(default_factory=list)
    exports: list = field(default_factory=list)
    nodes: dict = field(default_factory=dict)  # number -> Node

    def __post_init__(self):
        harness = sys.modules.get("harness")
        if harness is not None and getattr(harness, "_INSTALLED", None):
            # In a grading kernel the student's code could rewrite this observer: its verdicts count only in the grader.
            raise RuntimeError("a watched test runs in the grader, never in the student's kernel")

    # -- the test's side ----------------------------------------------------------------------
    def watch(self, value, name: str) -> Watched:
        """A stand-in for `value` (an array or tensor), called `name` in the verdicts."""
        return self._wrap(Node(_copy(value), frozenset([name]), frozenset([name]), name))

    def value(self, result):
        """The real value behind a watched result (or the result itself, if it is not watched)."""
        if isinstance(result, Watched):
            return self._node(result).value
        if isinstance(result, (list, tuple)):
            return type(result)(self.value(r) for r in result)
        return result

    def raw(self, result) -> frozenset:
        """The inputs a (watched) result depends on other than through products of their blocks."""
        return self._node(result).raw if isinstance(result, Watched) else frozenset()

    def leaks(self, result=None) -> list[str]:
        """Ways raw inputs reached the student's kernel: exports of them, or a result that still holds them."""
        found = [f"{e.name} read out the values of {', '.join(sorted(e.raw))}" for e in self.exports if e.raw]
        if result is not None and self.raw(result):
            found.append(f"the result depends on {', '.join(sorted(self.raw(result)))} other than through products")
        return found

    def products(self) -> list[Call]:
        return [c for c in self.calls if c.short in PRODUCTS]

    def largest_product(self) -> int:
        """The largest dimension of any operand of any product (0 if there was none)."""
        return max((max(shape, default=1) for c in self.products() for shape in c.shapes), default=0)

    def largest_made(self) -> int:
        """The number of elements of the largest array any operation made (0 if none)."""
        return max((math.prod(shape) for c in self.calls for shape in c.made), default=0)

    def called(self, *fragments: str) -> list[str]:
        """Names of the functions called that contain any of the fragments (e.g. "scaled_dot_product")."""
        return sorted({c.name for c in self.calls if any(f in c.name for f in fragments)})

    def count(self, names) -> int:
        return sum(c.short in names for c in self.calls)

    # -- the student's side: one operation ----------------------------------------------------
    def perform(self, number: int, op: str, name: str, args, kwargs):
        if op != "call":
            raise TypeError(f"unknown operation on a watched value: {op!r}")
        function, short = _resolve(name)
        watched = [w for w in leaves((args, kwargs)) if isinstance(w, Watched)]
        nodes = [self._node(w) for w in watched]
        real_args, real_kwargs = _unwrap(self, args), _unwrap(self, dict(kwargs))
        arrays = _arrays_in((real_args, real_kwargs))
        _check_size(name, (args, kwargs), max((tuple(a.shape) for a in arrays), key=math.prod, default=()))
        shapes = tuple(tuple(int(n) for n in a.shape) for a in arrays)
        sources = frozenset().union(*(n.sources for n in nodes))
        raw = frozenset().union(*(n.raw for n in nodes))
        blocks = {n.block_of for n in nodes}
        product_of_blocks = short in PRODUCTS and len(nodes) >= 2 and None not in blocks and len(blocks) > 1
        result = None
        try:
            result = function(*real_args, **real_kwargs)
        finally:  # written down even when it fails: the attempt was made
            made = tuple(tuple(int(n) for n in a.shape) for a in _arrays_in(result))
            self.calls.append(Call(name, short, shapes, product_of_blocks, made))

        if short in EXPORTS or (short not in SHAPE_ONLY and _is_plain(result)):
            if isinstance(result, np.generic) or _is_tensor(result) or isinstance(result, np.ndarray):
                result = np.array(result.detach() if _is_tensor(result) else result)
            self.exports.append(Export(name, tuple(np.shape(result)) if not _is_plain(result) else (), raw))
            return result
        if short in SHAPE_ONLY:
            lineage = Node(None)
        elif product_of_blocks:
            lineage = Node(None, sources, frozenset())
        else:
            lineage = Node(None, sources, raw, nodes[0].block_of if short in PIECES and len(nodes) == 1 else None)
        # In place (x += y, x[i] = y, out=x, x.add_(y)): the target now also depends on what went into it.
        targets = [w for w, n in zip(watched, nodes) if n.value is result]
        if short == "__setitem__" and args and isinstance(args[0], Watched):
            targets = [args[0]]
        for target in targets[:1]:
            node = self._node(target)
            node.sources, node.raw = node.sources | sources, node.raw | lineage.raw
            if short not in PIECES or short == "__setitem__":
                node.block_of = None
            return None if short == "__setitem__" else target
        return self._results(result, lineage)

    # -- helpers ------------------------------------------------------------------------------
    def _results(self, result, lineage: Node):
        if isinstance(result, np.generic):
            result = np.asarray(result)
        if isinstance(result, np.ndarray) or _is_tensor(result):
            if int(np.prod(result.shape)) > MAX_ELEMENTS:
                raise MemoryError(f"a result of shape {tuple(result.shape)[:8]} is larger than a watched value may be")
            if result.dtype == object:
                raise TypeError("an object array cannot be watched")
            return self._wrap(Node(result, lineage.sources, lineage.raw, lineage.block_of))
        if isinstance(result, tuple) and hasattr(result, "n_fields"):  # torch.return_types.max and friends
            return type(result)(tuple(self._results(r, lineage) for r in result))
        if isinstance(result, (list, tuple)):
            return type(result)(self._results(r, lineage) for r in result)
        torch = sys.modules.get("torch")
        if result is None or isinstance(result, (str, np.dtype)) or (torch is not None and isinstance(
                result, (torch.Size, torch.dtype, torch.device))):
            return result
        raise TypeError(f"a {type(result).__name__} cannot come back from a watched value")

    def _wrap(self, node: Node) -> Watched:
        number = next(_numbers)
        self.nodes[number] = node
        value = node.value
        if _is_tensor(value):
            meta = {"kind": "tensor", "shape": list(value.shape), "dtype": str(value.dtype).removeprefix("torch.")}
        else:
            meta = {"kind": "array", "shape": list(value.shape), "dtype": value.dtype.str}
        return make(number, meta, self.perform)

    def _node(self, watched: Watched) -> Node:
        node = self.nodes.get(object.__getattribute__(watched, "_number"))
        if node is None:
            raise TypeError("a watched value of another test")
        return node

# Where a watched value's functions may come from: these namespaces, the array classes' methods, ufunc methods.
NAMESPACES = ("numpy", "numpy.linalg", "numpy.fft", "numpy.lib.stride_tricks", "torch", "torch.nn.functional",
              "torch.functional",
              "torch.linalg", "torch.special", "torch.fft", "numpy.ndarray", "torch.Tensor")
UFUNC_METHODS = {"__call__", "reduce", "accumulate", "outer", "reduceat", "at"}


def _resolve(name: str):
    """The function a dotted name stands for, and its own name, if a watched value may call it."""
    name = str(name)
    refused = TypeError(f"{name[:80]} is not available on watched values")
    parts = name.split(".")
    for cut in range(min(len(parts) - 1, 3), 0, -1):
        if ".".join(parts[:cut]) in NAMESPACES:
            namespace, rest = ".".join(parts[:cut]), parts[cut:]
            break
    else:
        raise refused
    if len(rest) > 2 or any(word in part.lower() for part in rest for word in DENIED):
        raise refused
    if rest[0].startswith("_") and rest[0] not in ALLOWED_DUNDERS:
        raise refused
    owner = sys.modules.get(namespace.rpartition(".")[0] if namespace.endswith(("ndarray", "Tensor")) else namespace)
    if owner is None:
        raise refused
    if namespace.endswith(("ndarray", "Tensor")):
        owner = getattr(owner, parts[-len(rest) - 1])
    target = getattr(owner, rest[0], None)
    if target is None or isinstance(target, type) or isinstance(target, type(sys)):
        raise refused
    short = rest[0]
    if len(rest) == 2:
        is_ufunc = isinstance(target, np.ufunc) and rest[1] in UFUNC_METHODS
        is_attribute = namespace.endswith(("ndarray", "Tensor")) and rest[1] == "__get__"
        if not (is_ufunc or is_attribute):
            raise refused
        target = getattr(target, rest[1])
    if not callable(target):
        raise refused
    return target, short


def _copy(value):
    if _is_tensor(value):
        return value.detach().clone()
    return np.array(value, copy=True)


def _is_tensor(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _arrays_in(value) -> list:
    return [a for a in leaves(value) if isinstance(a, np.ndarray) or _is_tensor(a)]


def _integers(value, depth=0):
    """The integer arguments (sizes, repeats, paddings); those inside slices only select, so they do not count."""
    if depth > 8:
        raise TypeError("arguments nested too deeply")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        yield abs(int(value))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _integers(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _integers(item, depth + 1)


def _check_size(name: str, arguments, largest_shape: tuple) -> None:
    """Refuse before computing what could make a value beyond what the grader will hold.

    Rough bounds on the result, generous to real code: the largest operand
    times every integer argument (repeats, sizes), and for a padding, the
    largest operand with its axes grown by the paddings.
    """
    integers = list(_integers(arguments))
    if any(n > MAX_INTEGER for n in integers):
        raise ValueError(f"an integer argument of {max(integers)} is larger than a watched operation allows")
    by_product = math.prod(largest_shape) * math.prod(max(n, 1) for n in integers)
    by_growth = 0
    if name.startswith("numpy.pad"):  # one or two numbers pad every axis (np.pad(x, 3)); more pad an axis each
        by_growth = (math.prod(n + 2 * max(integers, default=0) for n in largest_shape) if len(integers) <= 2
                     else math.prod(largest_shape) * math.prod(1 + n for n in integers))
    if by_product > MAX_WORK or by_growth > MAX_WORK:
        raise MemoryError("the arguments ask for more than a watched operation may make")


def _is_plain(value) -> bool:
    if isinstance(value, (bool, int, float, complex, np.bool_, np.number)) and not isinstance(value, np.ndarray):
        return not isinstance(value, np.generic) or isinstance(value, np.bool_)
    return isinstance(value, (list, tuple)) and bool(value) and all(_is_plain(v) for v in value)


def _unwrap(observer: Observer, value):
    if isinstance(value, Watched):
        return observer._node(value).value
    if isinstance(value, tuple) and hasattr(value, "n_fields"):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(observer, v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(observer, v) for k, v in value.items()}
    return value
