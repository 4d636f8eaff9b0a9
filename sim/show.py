"""``sim show`` and ``sim diff``: what a scenario changes from its parent (or from the defaults), and what
differs between two scenarios, field by field, including events and policies. Reads YAML only (no model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MISSING = object()


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaf values; events and policies stay whole per entry (``events.summit``)."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        whole = prefix.endswith(".policies") or prefix == "events"
        for k, v in data.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if whole:
                out[path] = v
            else:
                out.update(flat(v, path))
    else:
        out[prefix] = data
    return out


def show_value(v: Any) -> str:
    if v is MISSING:
        return "(absent)"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {show_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(show_value(x) for x in v) + "]"
    if v is None:
        return "null"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


SKIP = {"description", "question", "derived_from", "overrides"}


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, value in a, value in b) for every leaf that differs (MISSING when absent on one side)."""
    fa, fb = flat(a), flat(b)
    rows = []
    for path in sorted(set(fa) | set(fb)):
        if path.split(".")[0] in SKIP:
            continue
        va, vb = fa.get(path, MISSING), fb.get(path, MISSING)
        if va != vb:
            rows.append((path, va, vb))
    return rows


def resolved(path: str | Path, overrides: list[str] | None = None) -> dict[str, Any]:
    from sim.scenario import load_scenario

    return load_scenario(path, overrides or []).resolved_dict()


def diff_text(a_name: str, b_name: str, rows: list[tuple[str, Any, Any]]) -> str:
    if not rows:
        return f"{a_name} and {b_name}: no difference in what the model is given"
    width = min(max(len(p) for p, _, _ in rows), 60)
    lines = [f"{len(rows)} difference{'s' if len(rows) > 1 else ''}: {a_name} -> {b_name}"]
    for path, va, vb in rows:
        lines.append(f"  {path:<{width}}  {show_value(va)}  ->  {show_value(vb)}")
    return "\n".join(lines)


def show_scenario(path: str | Path, overrides: list[str] | None = None) -> str:
    """What the scenario in ``path`` changes from its parent (``extends:``), or from the defaults when it has
    none: its question, then every field, event and policy that differs."""
    from sim.scenario import read_yaml
    from sim.scenario.schema import Scenario

    path = Path(path)
    sc = resolved(path, overrides)
    raw = read_yaml(path)
    parent = raw.get("extends") if isinstance(raw, dict) else None
    if parent:
        base = resolved(path.parent / str(parent))
        against = f"its parent {parent}"
    else:
        base = Scenario.model_validate({"name": sc["name"]}).resolved_dict()
        against = "the defaults"
    head = [f"{sc['name']} ({path})"]
    if sc.get("derived_from"):
        head.append(f"variant of {sc['derived_from']}; overrides: {', '.join(sc.get('overrides') or [])}")
    if sc.get("question"):
        head.append("question: " + " ".join(str(sc["question"]).split()))
    head.append(
        f"{sc['replicates']:,} replicates x {sc['horizon_weeks']} weeks from {sc['start_date']}, seed {sc['seed']}; "
        f"{len(sc.get('events') or {})} events"
    )
    rows = differences(base, sc)
    head.append("")
    head.append(diff_text(against, sc["name"], rows).replace(f": {against} -> {sc['name']}", f" from {against}"))
    return "\n".join(head)
