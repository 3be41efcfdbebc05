"""Plain data between a sandboxed kernel and the grader.

Only JSON crosses: numbers, strings, lists, and these tagged forms (arrays,
tuples, dicts, and the course's own test functions by name). Nothing is
unpickled, and the grader decodes what a kernel sent without ever calling
code from it.
"""

from __future__ import annotations

__all__ = ["encode", "decode", "MAX_ELEMENTS"]


MAX_ELEMENTS = 10_000  # a returned array larger than this is not shipped back: the cases are small
_ARRAY_KINDS = "biuf"


def encode(value, _depth: int = 0):
    """A value as JSON-ready plain data (arrays, tuples and dicts tagged)."""
    import numpy as np

    if _depth > 20:
        return {"__unsupported__": "nesting deeper than 20 levels"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in _ARRAY_KINDS:
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS:
            return {"__unsupported__": f"array of dtype {value.dtype}"}
        if value.size > MAX_ELEMENTS:
            return {"__unsupported__": f"array of shape {value.shape}, too large to compare"}
        return {"__ndarray__": np.asarray(value).tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, _depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in value.items()]}
    if callable(value) and getattr(value, "__module__", "").startswith("adamcourse") and "<" not in value.__qualname__:
        return {"__function__": f"{value.__module__}:{value.__qualname__}"}
    return {"__unsupported__": type(value).__name__}


class _Unsupported:
    """Stands for a value that could not be shipped: judged as a wrong answer."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self):
        return f"<{self.what}>"


def decode(data, *, allow_functions: bool = False, _depth: int = 0):
    """The inverse of :func:`encode`. Library functions are looked up by name
    only with ``allow_functions`` (the kernel reading the grader's cases);
    the grader never does that with what a kernel sent."""
    import numpy as np

    if _depth > 22:
        raise ValueError("nesting too deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, allow_functions=allow_functions, _depth=_depth + 1) for v in data]
    if not isinstance(data, dict):
        raise ValueError(f"unexpected {type(data).__name__}")
    if "__ndarray__" in data:
        dtype = np.dtype(str(data["dtype"]))
        if dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"dtype {dtype} not allowed")
        array = np.array(data["__ndarray__"], dtype=dtype)
        if list(array.shape) != list(data["shape"]):
            raise ValueError("array shape does not match its data")
        return array
    if "__tuple__" in data:
        return tuple(decode(v, allow_functions=allow_functions, _depth=_depth + 1) for v in data["__tuple__"])
    if "__dict__" in data:
        return {
            decode(k, _depth=_depth + 1): decode(v, allow_functions=allow_functions, _depth=_depth + 1)
            for k, v in data["__dict__"]
        }
    if "__function__" in data and allow_functions:
        import importlib

        module, qualname = str(data["__function__"]).split(":")
        if not module.startswith("adamcourse"):
            raise ValueError("only the course library's functions can be shipped")
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
        return target
    return _Unsupported(str(data.get("__unsupported__", "a value that could not be shipped")))
