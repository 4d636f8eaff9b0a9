"""Dotted paths into a raw scenario mapping: setting a value along a path (copy on write) and checking that a
path names something the base scenario has.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario import Scenario


def assign(data: dict[str, Any], path: str, value: Any, *, merge: bool = False) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` set to ``value`` (copy on write along the path). With ``merge``
    (a sweep's ``set:``) the value is merged as a child scenario would: a mapping merges key by key and null
    removes an entry."""
    from sim.scenario import deep_merge

    keys = path.split(".")
    out = dict(data)
    cursor = out
    for key in keys[:-1]:
        nxt = cursor.get(key)
        cursor[key] = dict(nxt) if isinstance(nxt, dict) else {}
        cursor = cursor[key]
    last = keys[-1]
    if merge and value is None:
        cursor.pop(last, None)
    elif merge and isinstance(value, dict) and isinstance(cursor.get(last), dict):
        cursor[last] = deep_merge(cursor[last], value)
    else:
        cursor[last] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so pydantic sees what YAML would give it."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _check_path(data: dict[str, Any], path: str, src: str, field: str) -> None:
    """A dotted path must follow existing entries of the scenario's own mappings (events, policies): a new
    key there is a typo, not a new event. Schema fields (params.costs.scale) are checked by validation."""
    import difflib

    keys = path.split(".")
    if not all(keys):
        raise ScenarioError(f"{path!r}: empty path component", source=src, field=field)
    cursor: Any = data
    for i, key in enumerate(keys[:-1]):
        here = ".".join(keys[: i + 1])
        if isinstance(cursor, dict) and key in cursor and cursor[key] is not None:
            cursor = cursor[key]
            if not isinstance(cursor, dict):
                raise ScenarioError(f"{path}: {here} is a value, not a mapping", source=src, field=field)
            continue
        if _schema_fields(keys[:i]) is None and isinstance(cursor, dict):
            close = difflib.get_close_matches(key, list(cursor), n=1, cutoff=0.6)
            hint = f" (did you mean {'.'.join([*keys[:i], close[0]])!r}?)" if close else ""
            have = ", ".join(sorted(cursor)) or "none"
            raise ScenarioError(f"{path}: no {here} in the base scenario{hint}; it has {have}", source=src, field=field)
        return


def _schema_fields(keys: list[str]) -> list[str] | None:
    """Field names of the schema model reached by ``keys`` from Scenario; None for a free mapping (events,
    policies, levers) or a leaf."""
    import typing

    tp: Any = Scenario
    for key in keys:
        if not (isinstance(tp, type) and issubclass(tp, BaseModel)) or key not in tp.model_fields:
            return None
        tp = tp.model_fields[key].annotation
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _base_value(scenario: Scenario, path: str) -> Any:
    obj: Any = scenario
    for key in path.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
        if obj is None:
            return None
    return obj
