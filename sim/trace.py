"""Sample paths: replay one replicate with tracing on and tell its story week by week.

A replicate's results depend only on (scenario, seed, chunk), so replaying its chunk with
``PressureModel(scenario, n, chunk, trace=local_index)`` reproduces it exactly; the replay is checked against
the outcome recorded in outcomes.parquet. The model notes lever changes, events, talks and the end; this module
adds what it reads off the traced replicate's state each week: salvos, India's purchases, Ukraine's power
shortfall, the first Tomahawk deliveries.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.model import PressureModel
from sim.names import OUTCOMES
from sim.scenario import chunk_sizes

# Reported weekly in the JSON path of the replicate.
PATH_VARIABLES = (
    "front",
    "mil_ru",
    "mil_ua",
    "belief_ru",
    "belief_ua",
    "resolve_ru",
    "resolve_ua",
    "brent",
    "india_share",
    "revenue_ru",
    "buffer_ru",
    "refining_ru",
    "energy_deficit",
    "escalation",
    "tomahawks_delivered",
)
INDIA_STEP = 0.02  # report India's Russian share each time it has moved two points since the last report


@dataclass
class TraceEntry:
    week: int
    date: dt.date
    kind: str  # lever, event, salvo, talks, refusal, signal, concession, india, energy, tomahawks, end
    text: str


@dataclass
class Trace:
    """The timeline of one replicate, its recorded and replayed ends, and its sampled parameters."""

    scenario: str
    replicate: int
    chunk: int
    index: int
    seed: int
    start_date: dt.date
    horizon_weeks: int
    recorded: dict[str, Any]
    replayed: dict[str, Any]
    parameters: dict[str, float]
    entries: list[TraceEntry] = field(default_factory=list)
    path: list[dict[str, Any]] = field(default_factory=list)
    chosen_because: str = ""

    @property
    def matches(self) -> bool:
        a, b = self.recorded, self.replayed
        same_terms = (a["terms"] is None and b["terms"] is None) or (
            a["terms"] is not None
            and b["terms"] is not None
            and math.isclose(a["terms"], b["terms"], rel_tol=1e-9, abs_tol=1e-12)
        )
        return a["outcome"] == b["outcome"] and a["week"] == b["week"] and same_terms

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["matches"] = self.matches
        return out

    def date(self, week: int) -> dt.date:
        return self.start_date + dt.timedelta(weeks=week)

    def headline(self) -> str:
        r = self.recorded
        end = r["outcome"].replace("_", " ")
        when = (
            f"still at war at the horizon, week {r['week']} ({self.date(r['week']):%d %b %Y})"
            if r["outcome"] == "ongoing"
            else f"{end} in week {r['week']} ({self.date(r['week']):%d %b %Y})"
        )
        terms = "" if r["terms"] is None else f" on terms {r['terms']:.3f}"
        return f"{when}{terms}"

    def format(self) -> str:
        lines = [
            f"Replicate {self.replicate} of '{self.scenario}' (chunk {self.chunk}, index {self.index}; "
            f"seed {self.seed})"
        ]
        if self.chosen_because:
            lines.append(f"Chosen as {self.chosen_because}")
        lines.append(f"Recorded: {self.headline()}")
        if self.matches:
            lines.append("Replay: identical to the recorded outcome (the run is deterministic)")
        else:
            p = self.replayed
            lines.append(
                f"WARNING: the replay ended in {p['outcome']} in week {p['week']} (terms {p['terms']}), "
                "not as recorded: the code or the scenario changed since the run, so this timeline is "
                "not the recorded replicate's"
            )
        if self.parameters:
            lines.append(
                "Sampled parameters: "
                + ", ".join(f"{k.removeprefix('params.')} = {v:.4g}" for k, v in self.parameters.items())
            )
        lines.append(
            "Talks: V_ru and V_ua are each side's value of fighting on (in shares of the disputed "
            "territory); range: the terms both would accept (with guarantees, relief and demands); offer: "
            "the mediator's split."
        )
        lines.append("")
        lines.append(f"{'week':>4}  {'date':<11}  what happened")
        for e in self.entries:
            lines.append(f"{e.week:>4}  {e.date:%d %b %Y}  {e.text}")
        return "\n".join(lines)


def _optional(value: Any) -> float | None:
    v = float(value)
    return None if math.isnan(v) else v


def representative(outcomes: pd.DataFrame, outcome: str) -> tuple[int, str]:
    """The replicate that ended in ``outcome`` whose week is closest to the median week of that outcome; ties
    go to the terms closest to the median terms (for 'ongoing': the final front closest to the median), then
    to the lowest replicate number. Returns the replicate and a sentence saying why it was chosen."""
    if outcome not in OUTCOMES:
        raise ScenarioError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    rows = outcomes[outcomes["outcome"].astype(str) == outcome]
    if rows.empty:
        raise ScenarioError(f"no replicate ended in {outcome!r} in this run")
    week = rows["week"].to_numpy(dtype=float)
    second = rows["terms"] if rows["terms"].notna().any() else rows["end.front"]
    s = second.to_numpy(dtype=float)
    med_w, med_s = float(np.median(week)), float(np.nanmedian(s))
    order = np.lexsort(
        (rows["replicate"].to_numpy(), np.nan_to_num(np.abs(s - med_s), nan=np.inf), np.abs(week - med_w))
    )
    rep = int(rows["replicate"].iloc[order[0]])
    what = "terms" if second.name == "terms" else "final front"
    why = (
        f"the representative '{outcome}' replicate: of {len(rows):,}, the one whose week is closest to the "
        f"median week ({med_w:g}), then {what} closest to the median ({med_s:.3f})"
    )
    return rep, why


def replay(result: Any, replicate: int, point: int | None = None) -> Trace:
    """Replay ``replicate`` of a run (a RunResult) with tracing on; return its timeline."""
    sc = result.scenario
    outcomes = result.outcomes
    if not 0 <= replicate < sc.replicates:
        raise ScenarioError(f"replicate {replicate} is out of range: this run has replicates 0 to {sc.replicates - 1}")
    chunk, index = divmod(replicate, sc.chunk_size)
    n = chunk_sizes(sc.replicates, sc.chunk_size)[chunk]
    model = PressureModel(sc, n, chunk, point=point, trace=index)
    i = index
    entries: list[TraceEntry] = []
    path: list[dict[str, Any]] = []

    def snapshot() -> None:
        row: dict[str, Any] = {"week": model.week, "date": model.date(model.week).isoformat()}
        row.update({v: float(getattr(model, v)[i]) for v in PATH_VARIABLES})
        path.append(row)

    def add(kind: str, text: str) -> None:
        entries.append(TraceEntry(model.week, model.date(model.week), kind, text))

    add(
        "start",
        f"start: front {model.front[i]:.1%}, Russian strength {model.mil_ru[i]:.2f}, Ukrainian "
        f"{model.mil_ua[i]:.2f}, India's Russian share {model.india_share[i]:.0%}, Russia's buffer "
        f"${model.buffer_ru[i]:.1f}bn, refining online {model.refining_ru[i]:.0%}",
    )
    snapshot()
    salvos, shown_share = int(model.salvos[i]), float(model.india_share[i])
    short = bool(model.energy_deficit[i] > 0)
    salvo_size = np.broadcast_to(np.asarray(model.p.strikes.salvo_size, dtype=float), (n,))[i]
    while model.week < model.horizon and model.active[i]:
        logged = len(model.trace_log)
        model.step()
        notes = model.trace_log[logged:]
        for _week, kind, text in notes:
            if kind != "end":
                add(kind, text)
        if model.salvos[i] > salvos and not any(kind == "salvo" for _w, kind, _t in notes):
            add(
                "salvo",
                f"Russian salvo on Ukraine's grid ({salvo_size:g} drone-equivalents on top of "
                f"{model.strikes_ru[i]:.0f} a week)",
            )
        salvos = int(model.salvos[i])
        share = float(model.india_share[i])
        if abs(share - shown_share) >= INDIA_STEP:
            add("india", f"India's purchases: Russia's share of its crude imports {shown_share:.0%} -> {share:.0%}")
            shown_share = share
        deficit = float(model.energy_deficit[i])
        if (deficit > 0) != short:
            add(
                "energy",
                f"Ukraine's power shortfall begins: {deficit:.0%} of demand unmet"
                if deficit > 0
                else "Ukraine's power shortfall ends",
            )
            short = deficit > 0
        if model.tomahawks_delivered[i] > 0 and not any(e.kind == "tomahawks" for e in entries):
            add("tomahawks", "first Tomahawks delivered and used on Russian refineries")
        for _week, kind, text in notes:
            if kind == "end":
                add(
                    "end",
                    text + f" (front {model.front[i]:.1%}, Russian strength {model.mil_ru[i]:.2f}, "
                    f"Ukrainian {model.mil_ua[i]:.2f}, resolve {model.resolve_ru[i]:.2f} / "
                    f"{model.resolve_ua[i]:.2f})",
                )
        snapshot()
    if model.active[i]:
        add(
            "end",
            f"horizon reached: the war goes on (front {model.front[i]:.1%}, {int(model.talks_held[i])} "
            "rounds of talks without a deal)",
        )
    row = outcomes.loc[outcomes["replicate"] == replicate].iloc[0]
    recorded = {"outcome": str(row["outcome"]), "week": int(row["week"]), "terms": _optional(row["terms"])}
    replayed = {
        "outcome": OUTCOMES[int(model.outcome[i])],
        "week": int(model.end_week[i]),
        "terms": _optional(model.terms[i]),
    }
    parameters = {k: float(v[i]) for k, v in model.sampled.items()}
    return Trace(
        sc.name,
        replicate,
        chunk,
        index,
        sc.seed,
        sc.start_date,
        sc.horizon_weeks,
        recorded,
        replayed,
        parameters,
        entries,
        path,
    )


def trace_run(results_dir: str | Path, replicate: int | None = None, outcome: str | None = None) -> Trace:
    """Trace a replicate of the run in ``results_dir``: by number, or the representative one of an outcome."""
    from sim.plots import read_manifest
    from sim.results import load_results

    if (replicate is None) == (outcome is None):
        raise ScenarioError("give either --replicate N or --outcome NAME")
    result = load_results(results_dir)
    why = ""
    if outcome is not None:
        replicate, why = representative(result.outcomes, outcome)
    manifest = read_manifest(results_dir)
    point = manifest.get("point") if manifest.get("independent") else None
    trace = replay(result, int(replicate), point)  # type: ignore[arg-type]
    trace.chosen_because = why
    return trace
