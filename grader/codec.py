"""Values to files and back, without pickle: the only way results leave the sandbox.

A value becomes a JSON tree; arrays and tensors go to an .npz file beside it
(read back with allow_pickle=False), so reading a transcript written by
untrusted code can never run code.  Anything else (a student's own object, a
generator, a module) becomes an Opaque placeholder that equals nothing.

This file is copied into the sandbox and imported there, so it imports only
the standard library, NumPy, and torch when it is already loaded.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import struct
import sys
import time

import numpy as np

MAX_DEPTH = 20
MAX_ITEMS = 100_000


class Opaque:
    """Stands for a value that could not cross the sandbox boundary."""

    def __init__(self, type_name: str, text: str = ""):
        self.type_name, self.text = type_name, text

    def __eq__(self, other):
        return False

    __hash__ = None

    def __repr__(self):
        return f"<{self.type_name} from the notebook>"


class Encoder:
    def __init__(self):
        self.arrays: list[np.ndarray] = []
        self.items = 0

    def _array(self, array: np.ndarray) -> int:
        self.arrays.append(np.array(array, copy=True))
        return len(self.arrays) - 1

    def encode(self, value, depth: int = 0):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            return {"__opaque__": type(value).__name__, "text": "too deep or too large"}
        torch = sys.modules.get("torch")
        if value is None or isinstance(value, (bool, str)) and type(value) in (bool, str):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.ndarray) and type(value) is np.ndarray and value.dtype != object:
            return {"__ndarray__": self._array(value)}
        if isinstance(value, np.generic) and not isinstance(value, np.object_):
            return {"__npscalar__": self._array(np.asarray(value))}
        if torch is not None and type(value) is torch.Tensor:
            tensor = value.detach().cpu()
            dtype = str(tensor.dtype).removeprefix("torch.")
            if tensor.dtype == torch.bfloat16:
                tensor = tensor.float()  # exact: bfloat16 -> float32 -> bfloat16 is lossless
            return {"__tensor__": self._array(tensor.resolve_conj().numpy()), "dtype": dtype,
                    "requires_grad": bool(value.requires_grad)}
        if torch is not None and isinstance(value, torch.dtype):
            return {"__torch_dtype__": str(value).removeprefix("torch.")}
        if isinstance(value, np.dtype):
            return {"__np_dtype__": value.str}
        if type(value) is list:
            return [self.encode(v, depth + 1) for v in value]
        if type(value) is tuple or (torch is not None and type(value) is torch.Size):
            return {"__tuple__": [self.encode(v, depth + 1) for v in value]}
        if type(value) is dict:
            return {"__dict__": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if type(value) is complex:
            return {"__complex__": [value.real, value.imag]}
        if type(value) in (bytes, bytearray):
            return {"__bytes__": base64.b64encode(value).decode("ascii"), "mutable": type(value) is bytearray}
        if type(value) in (set, frozenset):
            return {"__set__": [self.encode(v, depth + 1) for v in value], "frozen": type(value) is frozenset}
        return self.other(value)

    def other(self, value):
        """A value that is none of the above: an Opaque placeholder (a subclass may do better)."""
        try:
            text = repr(value)[:200]
        except Exception:
            text = ""
        return {"__opaque__": type(value).__name__, "text": text}


def decode(tree, arrays, special=None):
    """Inverse of Encoder.encode, given the arrays read back from the .npz file.

    `special(tree, arrays)` may decode markers of its own (the grader's handles):
    it returns NotImplemented for a tree it does not know.
    """
    if isinstance(tree, list):
        return [decode(v, arrays, special) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if special is not None:
        value = special(tree, arrays)
        if value is not NotImplemented:
            return value
    if "__ndarray__" in tree:
        return arrays[tree["__ndarray__"]]
    if "__npscalar__" in tree:
        return arrays[tree["__npscalar__"]][()]
    if "__tensor__" in tree:
        import torch

        return torch.from_numpy(np.array(arrays[tree["__tensor__"]])).to(torch_dtype(tree["dtype"]))
    if "__torch_dtype__" in tree:
        return torch_dtype(tree["__torch_dtype__"])
    if "__np_dtype__" in tree:
        return np.dtype(tree["__np_dtype__"])
    if "__tuple__" in tree:
        return tuple(decode(v, arrays, special) for v in tree["__tuple__"])
    if "__dict__" in tree:
        return {decode(k, arrays, special): decode(v, arrays, special) for k, v in tree["__dict__"]}
    if "__float__" in tree:
        return float(tree["__float__"])
    if "__complex__" in tree:
        return complex(*tree["__complex__"])
    if "__bytes__" in tree:
        data = base64.b64decode(str(tree["__bytes__"]), validate=True)
        return bytearray(data) if tree.get("mutable") else data
    if "__set__" in tree:
        items = [decode(v, arrays, special) for v in tree["__set__"]]
        try:
            return frozenset(items) if tree.get("frozen") else set(items)
        except TypeError:  # an element that could not cross (an Opaque) is unhashable
            return Opaque("set", "a set holding values that could not cross")
    if "__opaque__" in tree:
        return Opaque(str(tree["__opaque__"]), str(tree.get("text", "")))
    raise ValueError(f"unknown value in transcript: {sorted(tree)[:3]}")


def torch_dtype(name):
    """torch.<name> if it is a dtype; any other attribute of torch named by a transcript is refused."""
    import torch

    value = getattr(torch, str(name), None)
    if not isinstance(value, torch.dtype):
        raise ValueError(f"not a torch dtype: {str(name)[:40]!r}")
    return value


def dump(tree, arrays, path_stem) -> None:
    """Write <stem>.json and <stem>.npz (the json last: it marks the pair complete)."""
    buffer = io.BytesIO()
    np.savez(buffer, *arrays)
    with open(f"{path_stem}.npz", "wb") as file:
        file.write(buffer.getvalue())
    with open(f"{path_stem}.json.tmp", "w") as file:
        json.dump(tree, file)
    os.replace(f"{path_stem}.json.tmp", f"{path_stem}.json")


def load(path_stem, max_bytes: int = 256 * 2**20):
    """(tree, arrays) read back safely; ValueError if missing, too big or malformed."""
    json_path, npz_path = f"{path_stem}.json", f"{path_stem}.npz"
    for path in (json_path, npz_path):
        if not os.path.isfile(path) or os.path.islink(path):
            raise ValueError(f"missing {os.path.basename(path)}")
        if os.path.getsize(path) > max_bytes:
            raise ValueError(f"{os.path.basename(path)} is larger than {max_bytes} bytes")
    with open(json_path) as file:
        tree = json.load(file)
    with np.load(npz_path, allow_pickle=False) as npz:
        arrays = [npz[f"arr_{i}"] for i in range(len(npz.files))]
    return tree, arrays


def dumps(tree, arrays) -> bytes:
    """(tree, arrays) as one message: the JSON, a NUL, and the .npz bytes when there are arrays."""
    message = json.dumps(tree).encode()
    if arrays:
        buffer = io.BytesIO()
        np.savez(buffer, *arrays)
        message += b"\0" + buffer.getvalue()
    return message


def loads(message: bytes):
    """Inverse of dumps, safely (no pickle); ValueError if malformed."""
    text, _, npz = message.partition(b"\0")
    try:
        tree = json.loads(text)
    except (UnicodeDecodeError, RecursionError) as error:
        raise ValueError(f"malformed message: {type(error).__name__}") from None
    arrays = []
    if npz:
        try:
            with np.load(io.BytesIO(npz), allow_pickle=False) as archive:
                arrays = [archive[f"arr_{i}"] for i in range(len(archive.files))]
        except Exception as error:  # a broken archive, an object array, ...
            raise ValueError(f"malformed arrays: {type(error).__name__}") from None
    return tree, arrays


def send_message(connection, data: bytes) -> None:
    """One message on a stream socket: 8 bytes of length, then the bytes."""
    connection.sendall(struct.pack("!Q", len(data)) + data)


def receive_message(connection, deadline: float | None = None, max_bytes: int | None = None) -> bytes | None:
    """The next message; None if the peer closed before one began.

    With a deadline (time.monotonic()), TimeoutError once it passes; with
    max_bytes, ValueError for a longer message (its bytes are not read).
    """
    header = _receive_exactly(connection, 8, deadline)
    if header is None:
        return None
    size = struct.unpack("!Q", header)[0]
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"a message of {size} bytes is larger than {max_bytes}")
    data = _receive_exactly(connection, size, deadline) if size else b""
    if data is None:
        raise ConnectionResetError("the peer closed the connection in the middle of a message")
    return data


def _receive_exactly(connection, size: int, deadline: float | None) -> bytes | None:
    chunks, left = [], size
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            connection.settimeout(remaining)
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            if chunks:
                raise ConnectionResetError("the peer closed the connection in the middle of a message")
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
