"""Export a run's results for spreadsheets: the outcome table (each outcome's probability with its Monte Carlo
interval, its range across parameters and the parameters that decide it), the weekly fans (quantiles by week
of every reported state variable, over the replicates still at war) and the summary (flattened), as three
CSV files or one Excel workbook with three sheets (openpyxl, the optional ``excel`` extra)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ScenarioError

EXPORT_FORMATS = ("csv", "xlsx")
SHEETS = ("outcomes", "fans", "summary")


def outcome_rows(summary: dict[str, Any], outcomes: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    from sim.plots.common import OUTCOME_ORDER, OUTCOME_STYLE

    unc = (summary.get("model_uncertainty") or {}).get("outcomes", {})
    kinds = outcomes["outcome"].astype(str)
    rows = []
    for o in OUTCOME_ORDER:
        r = summary["outcomes"].get(o)
        if r is None:
            continue
        weeks = outcomes.loc[kinds == o, "week"]
        med = None if weeks.empty or o == "ongoing" else float(weeks.median())
        u = unc.get(o) or {}
        drivers = u.get("drivers") or []
        rows.append(
            {
                "outcome": o,
                "label": OUTCOME_STYLE[o][0],
                "replicates": r["count"],
                "probability": r["p"],
                "mc_lo_95": r["lo"],
                "mc_hi_95": r["hi"],
                "across_parameters_p10": u.get("p10") if drivers else None,
                "across_parameters_p90": u.get("p90") if drivers else None,
                "decided_by": "; ".join(f"{d['parameter']} ({d['share']:.3f})" for d in drivers),
                "median_week": med,
                "median_date": None if med is None else (start + dt.timedelta(weeks=med)).isoformat(),
            }
        )
    return pd.DataFrame(rows)


def fan_rows(weekly: pd.DataFrame, start: dt.date, scope: str = "active") -> pd.DataFrame:
    from sim.names import STATE_VARIABLES

    d = weekly[(weekly["scope"] == scope) & weekly["variable"].isin(list(STATE_VARIABLES))]
    cols = [c for c in ("variable", "week", "n", "mean", "q05", "q25", "q50", "q75", "q95") if c in d.columns]
    d = d[cols].sort_values(["variable", "week"]).reset_index(drop=True)
    d.insert(2, "date", [(start + dt.timedelta(weeks=int(w))).isoformat() for w in d["week"]])
    d.insert(1, "meaning", [STATE_VARIABLES[v][2] for v in d["variable"]])
    return d


def flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        out: list[tuple[str, Any]] = []
        for k, v in obj.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(obj, list):
        return [(prefix, json.dumps(obj, default=str))]
    return [(prefix, obj)]


def export_tables(results_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The three tables of a run's results directory, by sheet name."""
    from sim.results import load_results

    result = load_results(results_dir, columns=["replicate", "outcome", "week"])
    sc, summary = result.scenario, result.summary
    return {
        "outcomes": outcome_rows(summary, result.outcomes, sc.start_date),
        "fans": fan_rows(result.weekly, sc.start_date),
        "summary": pd.DataFrame(flatten(summary), columns=["field", "value"]),
    }


def export_results(results_dir: str | Path, fmt: str = "csv", out: str | Path | None = None) -> list[Path]:
    """Write the outcome table, weekly fans and summary of the run in ``results_dir``: ``csv`` as
    ``outcomes.csv``, ``fans.csv`` and ``summary.csv`` in ``out`` (default ``<results>/export/``), ``xlsx`` as
    one workbook (default ``<results>/export/<name>.xlsx``) with a sheet each. Returns the files written."""
    if fmt not in EXPORT_FORMATS:
        raise ScenarioError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ScenarioError("not a results directory", source=str(results_dir))
    tables = export_tables(results_dir)
    if fmt == "csv":
        folder = Path(out) if out is not None else results_dir / "export"
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for name, table in tables.items():
            path = folder / f"{name}.csv"
            tmp = path.with_name(f".{path.name}.tmp")
            table.to_csv(tmp, index=False)
            tmp.replace(path)
            files.append(path)
        return files
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ScenarioError(
            "Excel export needs openpyxl: pip install 'leverage-sim[excel]' (or use --format csv)"
        ) from None
    path = Path(out) if out is not None else results_dir / "export" / f"{results_dir.name}.xlsx"
    if path.suffix != ".xlsx":
        raise ScenarioError("expected a file name ending in .xlsx", source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
    tmp.replace(path)
    return [path]
