"""One-line messages for validation errors: the field path, what was expected, and "did you mean"."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError


def format_validation_error(exc: ValidationError, root: type[BaseModel]) -> str:
    """One line: ``field.path: what was expected`` (with 'did you mean' for an unknown key)."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if not _is_tag(p)]
    field = ".".join(loc)
    msg = err["msg"].removeprefix("Value error, ")
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _fields_at(root, loc[:-1])
        msg = f"unknown key {loc[-1]!r}{did_you_mean(loc[-1], known)}"
        if known:
            msg += "; expected one of " + ", ".join(sorted(known))
    elif kind == "missing":
        msg = "required field missing"
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        msg = f"expected an integer, got {excerpt(err.get('input'))}"
    elif kind in ("float_parsing", "float_type"):
        msg = f"expected a number, got {excerpt(err.get('input'))}"
    elif kind == "finite_number":
        msg = f"expected a finite number, got {excerpt(err.get('input'))}"
    elif kind in ("too_long", "too_short"):
        n = (err.get("ctx") or {}).get("max_length" if kind == "too_long" else "min_length")
        got = err.get("input")
        size = len(got) if hasattr(got, "__len__") else "?"
        msg = f"expected {'at most' if kind == 'too_long' else 'at least'} {n} entries, got {size}"
    elif kind in ("string_too_long", "string_too_short"):
        n = (err.get("ctx") or {}).get("max_length" if kind == "string_too_long" else "min_length")
        got = err.get("input")
        msg = f"expected {'at most' if kind == 'string_too_long' else 'at least'} {n} characters, got {len(got)}"
    elif kind == "string_type":
        msg = f"expected text, got {type(err.get('input')).__name__}"
    elif kind in ("bool_parsing", "bool_type"):
        msg = f"expected true or false, got {excerpt(err.get('input'))}"
    elif kind in ("date_parsing", "date_type", "date_from_datetime_parsing"):
        msg = f"expected a date YYYY-MM-DD, got {excerpt(err.get('input'))}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        msg = f"expected a value {msg.removeprefix('Input should be ')}, got {excerpt(err.get('input'))}"
    elif kind == "literal_error":
        msg = f"{msg.replace('Input should be', 'expected')}, got {excerpt(err.get('input'))}"
    elif kind == "union_tag_invalid":
        msg = msg.replace("Input tag", "kind").replace("does not match any of the expected tags", "is not one of")
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        msg = f"expected a mapping, got {type(err.get('input')).__name__}"
    head = msg.split(": ", 1)[0] if ": " in msg else ""
    if head and " " not in head and (head.count(".") >= 1 or head in _fields_at(root, loc)):
        # a nested validator already named a deeper field path (e.g. agents.us.levers.aid)
        sub, msg = msg.split(": ", 1)
        field = sub if sub.startswith(field) or not field else f"{field}.{sub}"
    return f"{field}: {msg}" if field else msg


_TAGS = {"schedule", "rule", "response", "uniform", "normal", "triangular", "beta", "choice"}


def excerpt(value: Any, limit: int = 40) -> str:
    """A value quoted in a message, cut to ``limit`` characters: a value merged in from another file (a parent
    through ``extends:``) is never echoed at length."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_tag(p: Any) -> bool:
    return isinstance(p, str) and (p in _TAGS or p.startswith(("function-", "tagged-union")))


def _fields_at(root: type[BaseModel], loc: list[str]) -> list[str]:
    """The field names of the model found by following ``loc`` from ``root`` (empty when unknown)."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return []
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):  # a policy: any of its kinds' fields
        return sorted(
            {f for m in typing.get_args(tp) if isinstance(m, type) and issubclass(m, BaseModel) for f in m.model_fields}
        )
    return []


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def did_you_mean(word: str, options: typing.Iterable[str], *, prefix: str = "") -> str:
    """`` (did you mean 'close'?)`` for the option nearest ``word`` (by spelling, or one it is a fragment of),
    or an empty string; ``prefix`` goes before the suggestion (the path leading to it). The one "did you
    mean" of every message."""
    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close and len(word) >= 4:  # a fragment of a longer name: 'tarif' -> 'penalty_tariff'
        close = [o for o in options if word in o or o in word][:1]
        if not close:
            close = difflib.get_close_matches(word, [part for o in options for part in o.split("_")], 1, 0.75)
            close = [o for o in options if close and close[0] in o.split("_")][:1]
    return f" (did you mean {prefix + close[0]!r}?)" if close else ""
