"""Dotted paths into a raw scenario mapping: setting a value along a path (copy on write) and checking that a
path names something the base scenario has.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.scenario.messages import did_you_mean
from sim.scenario.yamlio import _plain, set_path  # noqa: F401  (_plain re-exported for designs)


def assign(data: dict[str, Any], path: str, value: Any, *, merge: bool = False) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` set to ``value``: ``sim.scenario.set_path``, the one dotted-path writer
    (with ``merge``, a sweep's ``set:``, a mapping merges as a child scenario's would)."""
    return set_path(data, path, value, merge=merge)


def _check_path(data: dict[str, Any], path: str, src: str, field: str) -> None:
    """A dotted path must follow existing entries of the scenario's own mappings (events, policies): a new
    key there is a typo, not a new event. Schema fields (params.costs.scale) are checked by validation."""
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
            hint = did_you_mean(key, cursor, prefix="".join(k + "." for k in keys[:i]))
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
