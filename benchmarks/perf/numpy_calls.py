"""The numpy-call counter: how many times the model's code enters numpy in a week (part 5 reports it)."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .settings import ROOT


def fn_label(file: str, line: int, name: str, sim_dir: str) -> str:
    if file == "~":
        return name
    if file.startswith(sim_dir):
        return f"sim/{os.path.relpath(file, sim_dir)}:{line}({name})"
    return f"{Path(file).name}:{line}({name})"


def count_numpy_calls(model: Any, weeks: int) -> tuple[Counter[str], Counter[str]]:
    """Step ``weeks`` weeks with every array the model holds viewed as a counting subclass, every random
    generator behind a counting proxy, and numpy's array-creation functions and ufuncs wrapped: each entry
    into numpy from the model's code (a ufunc, including operators and reductions; an array function such
    as where, clip, select, copyto, bincount; an array creation; indexing; astype/copy/reshape; a random
    draw) counts once, nested calls inside numpy do not. Returns counts by kind and by calling function."""
    import numpy as np

    sim_dir = str(ROOT / "sim")
    by_kind: Counter[str] = Counter()
    by_caller: Counter[str] = Counter()
    depth = [0]

    def caller() -> str:
        f = sys._getframe(2)
        while f is not None:
            code = f.f_code
            if code.co_filename.startswith(sim_dir):
                return f"sim/{os.path.relpath(code.co_filename, sim_dir)}:{code.co_qualname}"
            f = f.f_back  # type: ignore[assignment]
        return "(outside sim)"

    def count(kind: str) -> None:
        by_kind[kind] += 1
        by_caller[caller()] += 1

    def unwrap(x: Any) -> Any:
        if isinstance(x, Counted):
            return x.view(np.ndarray)
        if isinstance(x, tuple):
            return tuple(unwrap(i) for i in x)
        if isinstance(x, list):
            return [unwrap(i) for i in x]
        return x

    def wrap(x: Any) -> Any:
        if type(x) is np.ndarray:
            return x.view(Counted)
        if isinstance(x, tuple):
            return tuple(wrap(i) for i in x)
        return x

    class Counted(np.ndarray):
        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                count(f"ufunc {ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
            out = kwargs.get("out")
            if out is not None:
                kwargs["out"] = unwrap(out)
            depth[0] += 1
            try:
                result = getattr(ufunc, method)(*unwrap(inputs), **kwargs)
            finally:
                depth[0] -= 1
            if out is not None:
                return out[0] if len(out) == 1 else out
            return wrap(result)

        def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            if depth[0] == 0:
                count(f"function {func.__name__}")
            depth[0] += 1
            try:
                return wrap(super().__array_function__(func, types, args, kwargs))
            finally:
                depth[0] -= 1

        def _method(name: str) -> Any:  # type: ignore[misc]
            base = getattr(np.ndarray, name)

            def method(self: Any, *a: Any, **k: Any) -> Any:
                if depth[0] == 0:
                    count(f"method {name}")
                depth[0] += 1
                try:
                    return wrap(base(self, *a, **k))
                finally:
                    depth[0] -= 1

            return method

        __getitem__ = _method("__getitem__")
        __setitem__ = _method("__setitem__")
        astype = _method("astype")
        copy = _method("copy")
        ravel = _method("ravel")
        reshape = _method("reshape")
        tolist = _method("tolist")
        item = _method("item")

    class CountedGenerator:
        def __init__(self, gen: Any) -> None:
            self._gen = gen

        def __getattr__(self, name: str) -> Any:
            attr = getattr(self._gen, name)
            if not callable(attr):
                return attr

            def draw(*a: Any, **k: Any) -> Any:
                count(f"random {name}")
                depth[0] += 1
                try:
                    return wrap(attr(*a, **k))
                finally:
                    depth[0] -= 1

            return draw

    class UfuncProxy:
        """A ufunc called on plain numbers or plain arrays only (with a counted array, __array_ufunc__
        counts it)."""

        def __init__(self, uf: Any) -> None:
            self._uf = uf
            self.__name__ = uf.__name__

        def __call__(self, *a: Any, **k: Any) -> Any:
            if depth[0] == 0 and not any(isinstance(x, Counted) for x in (*a, *k.values())):
                count(f"ufunc {self._uf.__name__}")
                depth[0] += 1
                try:
                    return wrap(self._uf(*a, **k))
                finally:
                    depth[0] -= 1
            return self._uf(*a, **k)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._uf, name)

    def creator(name: str, fn: Any) -> Any:
        def create(*a: Any, **k: Any) -> Any:
            if depth[0] > 0:
                return fn(*a, **k)
            count(f"create {name}")
            depth[0] += 1
            try:
                return wrap(fn(*a, **k))
            finally:
                depth[0] -= 1

        return create

    seen: set[int] = set()

    def instrument(obj: Any, level: int = 0) -> Any:
        """Replace arrays by counting views (same memory) in the model, its agents, policies and parameters."""
        if isinstance(obj, np.ndarray):
            return obj.view(Counted) if type(obj) is np.ndarray else obj
        if isinstance(obj, np.random.Generator):
            return CountedGenerator(obj)
        if level > 4 or id(obj) in seen:
            return obj
        if isinstance(obj, list):
            seen.add(id(obj))
            obj[:] = [instrument(x, level + 1) for x in obj]
        elif isinstance(obj, dict):
            seen.add(id(obj))
            for k in list(obj):
                obj[k] = instrument(obj[k], level + 1)
        elif isinstance(obj, tuple):
            return tuple(instrument(x, level + 1) for x in obj)
        elif hasattr(obj, "__dict__") and (
            type(obj).__module__.startswith("sim") or type(obj).__name__ == "SimpleNamespace"
        ):
            seen.add(id(obj))
            for k, v in list(vars(obj).items()):
                if k in ("spec", "switches", "model"):
                    continue
                new = instrument(v, level + 1)
                if new is not v:
                    object.__setattr__(obj, k, new)
        return obj

    instrument(model)
    for agent in model.agents:
        instrument(agent)
    creators = (
        "zeros",
        "ones",
        "empty",
        "full",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "array",
        "asarray",
        "asanyarray",
        "arange",
        "broadcast_to",
        "stack",
        "concatenate",
        "linspace",
    )
    saved = {name: getattr(np, name) for name in creators}
    ufuncs = {name: getattr(np, name) for name in dir(np) if isinstance(getattr(np, name, None), np.ufunc)}
    try:
        for name, fn in saved.items():
            setattr(np, name, creator(name, fn))
        for name, uf in ufuncs.items():
            setattr(np, name, UfuncProxy(uf))
        for _ in range(weeks):
            model.step()
    finally:
        for name, fn in saved.items():
            setattr(np, name, fn)
        for name, uf in ufuncs.items():
            setattr(np, name, uf)
    return by_kind, by_caller
