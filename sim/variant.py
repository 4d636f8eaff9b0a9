"""Provenance of a modified run: a scenario loaded with ``--set`` overrides that change the model is a
*variant* of its file's scenario. It gets a derived name (so that it is never headed, charted or reported as
its parent, and its default results directory is not the parent's) and keeps the list of its overrides, which
every output shows: the terminal header, every chart's caption, the report's title and ``summary.json``.

Overrides of the run's size and bookkeeping (replicates, seed, chunk size, kept trajectories, the horizon,
which every caption already states) do not make a variant. Standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

# Top-level fields whose override does not change what the model is asked: the caption names them anyway.
RUN_SIZE_FIELDS = frozenset({"replicates", "seed", "chunk_size", "trajectories", "horizon_weeks"})
# Fields that only name or describe the scenario.
TEXT_FIELDS = frozenset({"name", "description", "question"})
MAX_NAME = 100


def model_overrides(overrides: Sequence[str]) -> list[str]:
    """The overrides that change the model (``path=value`` with the path stripped), in the order given."""
    out = []
    for assignment in overrides:
        path, _, value = assignment.partition("=")
        key = path.strip()
        if key.split(".")[0] in RUN_SIZE_FIELDS | TEXT_FIELDS:
            continue
        out.append(f"{key}={value.strip()}")
    return out


def short_path(path: str) -> str:
    """``params.costs.scale`` -> ``costs.scale``; ``agents.us.levers.aid`` -> ``us.aid``."""
    parts = path.split(".")
    if parts[0] == "params" and len(parts) > 1:
        parts = parts[1:]
    elif parts[0] == "agents" and len(parts) >= 4 and parts[2] == "levers":
        parts = [parts[1], *parts[3:]]
    elif parts[0] == "agents" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def derived_name(parent: str, overrides: Sequence[str]) -> str:
    """``baseline with costs.scale=1.5, us.aid=0.5``; past 100 characters, a count and a digest instead."""
    bits = []
    for assignment in overrides:
        path, _, value = assignment.partition("=")
        bits.append(f"{short_path(path)}={value}")
    name = f"{parent} with {', '.join(bits)}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8]
    tail = f" with {len(overrides)} overrides ({digest})"
    return parent[: MAX_NAME - len(tail)] + tail


def derive(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """The raw scenario mapping with its provenance: when ``overrides`` change the model, ``derived_from`` (the
    file's scenario name), ``overrides`` (the model-changing assignments) and a derived ``name`` (unless the
    overrides set ``name`` themselves)."""
    changed = model_overrides(overrides)
    if not changed:
        return data
    parent = str(data.get("derived_from") or data.get("name") or "")
    out = dict(data)
    previous = [str(o) for o in data.get("overrides") or []]
    out["overrides"] = previous + changed
    out["derived_from"] = parent
    named = any(a.partition("=")[0].strip() == "name" for a in overrides)
    if not named and parent:
        out["name"] = derived_name(parent, out["overrides"])
    return out


def describe_overrides(overrides: Sequence[str]) -> str:
    return ", ".join(overrides)


def provenance(sc: Any) -> dict[str, Any]:
    """What ``summary.json`` says of where a run came from: its name, and for a variant its parent and
    overrides."""
    out: dict[str, Any] = {"name": sc.name}
    if getattr(sc, "derived_from", ""):
        out["derived_from"] = sc.derived_from
        out["overrides"] = list(sc.overrides)
    return out
