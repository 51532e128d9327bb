"""Watched values: stand-ins for arrays and tensors whose every operation is carried out, and seen, by the grader.

Some hidden tests must know *how* a student's function computes, not only what
it returns: exercise 04-matmul may multiply blocks but never whole matrices,
05-attention may not call PyTorch's fused attention.  Watching from inside the student's kernel
cannot be trusted (the student's code can change anything there), so such a
test passes stand-ins that hold no values at all.  Every operation on one (an
operator, a method, a NumPy or torch function of it, indexing) goes to the
grader, which computes it on the real values it keeps, writes it down, and
answers with a stand-in for the result (grader/observe.py).  Reading values
out (`np.asarray`, `.tolist()`, `float()`) is an operation too: an *export*,
also written down.  Shape, dtype and device are known here; `print` shows them
and never the values.

This file is copied into the sandbox and imported there: it imports only the
standard library, and NumPy or torch once the student's code has them loaded.
"""

from __future__ import annotations

import sys


class Watched:
    """A value the grader keeps; `perform(number, op, name, args, kwargs)` carries out each operation on it."""

    __slots__ = ("_number", "_meta", "_perform", "__weakref__")
    __array_priority__ = 1000  # NumPy's binary operators defer to us (and so do torch's)

    def __init__(self, number: int, meta: dict, perform):
        object.__setattr__(self, "_number", number)
        object.__setattr__(self, "_meta", meta)
        object.__setattr__(self, "_perform", perform)

    def _call(self, name: str, *args, **kwargs):
        return self._perform(self._number, "call", name, args, kwargs)

    # -- metadata: answered here -----------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self._meta["shape"])

    def __len__(self) -> int:
        if not self._meta["shape"]:
            raise TypeError("len() of a 0-d value")
        return self._meta["shape"][0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"<watched {self._meta['kind']} of shape {tuple(self._meta['shape'])}, {self._meta['dtype']}: its values stay with the grader>"

    __str__ = __repr__

    def __format__(self, spec) -> str:
        return repr(self)

    __hash__ = object.__hash__

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot set {name!r} on a watched value")

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        library = self._library_class()
        member = getattr(library, name, None) if library is not None else None
        if member is None:
            raise AttributeError(f"{self._meta['kind']} has no attribute {name!r}")
        dotted = f"{self._qualname}.{name}"
        if not callable(member) or type(member).__name__ in ("getset_descriptor", "property", "member_descriptor"):
            return self._call(f"{dotted}.__get__", self)
        return _BoundMethod(self, dotted)


class _BoundMethod:
    __slots__ = ("_owner", "_dotted")

    def __init__(self, owner: Watched, dotted: str):
        self._owner, self._dotted = owner, dotted

    def __call__(self, *args, **kwargs):
        return self._owner._call(self._dotted, self._owner, *args, **kwargs)

    def __repr__(self):
        return f"<method {self._dotted} of {self._owner!r}>"


def _forward(dunder: str):
    def method(self, *args):
        return self._call(f"{self._qualname}.{dunder}", self, *args)

    method.__name__ = dunder
    return method


# Operators, indexing, and reading values out (the grader counts the last kind as exports).
_DUNDERS = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
            "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
            "__rmatmul__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__lt__", "__le__",
            "__gt__", "__ge__", "__eq__", "__ne__", "__neg__", "__pos__", "__abs__", "__invert__", "__iadd__",
            "__isub__", "__imul__", "__itruediv__", "__ipow__", "__getitem__", "__setitem__",
            "__float__", "__int__", "__index__", "__bool__", "__complex__"]
for _dunder in _DUNDERS:
    setattr(Watched, _dunder, _forward(_dunder))


class WatchedArray(Watched):
    """Stands for a NumPy array."""

    __slots__ = ()
    _qualname = "numpy.ndarray"

    def _library_class(self):
        numpy = sys.modules.get("numpy")
        return numpy.ndarray if numpy is not None else None

    @property
    def shape(self) -> tuple:
        return tuple(self._meta["shape"])

    @property
    def size(self) -> int:
        total = 1
        for n in self._meta["shape"]:
            total *= n
        return total

    @property
    def dtype(self):
        return sys.modules["numpy"].dtype(self._meta["dtype"])

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    def __array__(self, dtype=None, copy=None):
        return self._call("numpy.ndarray.__array__", self, *([dtype] if dtype is not None else []))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        outs = out if isinstance(out, tuple) else (() if out is None else (out,))
        if any(isinstance(o, Watched) for o in outs):  # in place on values the grader keeps
            kwargs["out"] = outs if len(outs) > 1 else outs[0]
            outs = ()
        result = self._call(f"numpy.{ufunc.__name__}.{method}", *inputs, **kwargs)
        if outs:  # in place on an array of the notebook's: its new values must be read out
            numpy = sys.modules["numpy"]
            outs[0][...] = numpy.asarray(result)
            return outs[0]
        return result

    def __array_function__(self, func, types, args, kwargs):
        return self._call(f"{func.__module__}.{func.__name__}", *args, **kwargs)


class WatchedTensor(Watched):
    """Stands for a torch tensor."""

    __slots__ = ()
    _qualname = "torch.Tensor"

    def _library_class(self):
        torch = sys.modules.get("torch")
        return torch.Tensor if torch is not None else None

    @property
    def shape(self):
        return sys.modules["torch"].Size(self._meta["shape"])

    @property
    def dtype(self):
        return getattr(sys.modules["torch"], self._meta["dtype"])

    @property
    def device(self):
        return sys.modules["torch"].device("cpu")

    is_cuda = False
    requires_grad = False

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        total = 1
        for n in self._meta["shape"]:
            total *= n
        return total

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def __array__(self, dtype=None, copy=None):
        return self._call("torch.Tensor.__array__", self, *([dtype] if dtype is not None else []))

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        torch = sys.modules["torch"]
        name = torch.overrides.resolve_name(func) or f"torch.{getattr(func, '__name__', '?')}"
        kwargs = kwargs or {}
        owner = next((a for a in leaves((args, kwargs)) if isinstance(a, Watched)), None)
        in_place = name.endswith("_") or name.rpartition(".")[2] in ("__setitem__", "__iadd__", "__isub__", "__imul__",
                                                                    "__itruediv__", "__ipow__")
        if in_place and args and isinstance(args[0], torch.Tensor):
            # In place on a tensor of the notebook's: the watched values must be read out into it.
            numpy = sys.modules["numpy"]
            plain = [torch.as_tensor(numpy.asarray(a)) if isinstance(a, Watched) else a for a in args]
            return func(*plain, **kwargs)
        return owner._call(name, *args, **kwargs)


def leaves(value):
    """Everything inside nested lists, tuples and dicts (dict values), in order; the grader uses it too."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    else:
        yield value


def make(number: int, meta: dict, perform) -> Watched:
    """The stand-in for a value the grader keeps (its kind, shape and dtype in meta)."""
    cls = WatchedTensor if meta["kind"] == "tensor" else WatchedArray
    return cls(number, meta, perform)
