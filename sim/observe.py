"""Holding a run against what happened: observations files, scoring rules, and conditioning by reweighting.

An observations file (docs/observations.md) states values of state variables (``india_share`` on a date, with
an optional measurement ``sd``) and facts (``settlement`` by a date: false). ``score`` asks where each one fell
in the run's distribution; ``condition`` reweights the replicates by how well each one matches them
(approximate Bayesian computation with a kernel per observation) and ``write_conditioned`` writes the result
as an ordinary results directory with a ``weight`` column.

Dates map to weeks through the scenario's start date: a date falls in week ``floor(days since start / 7)``,
the last simulated week that had ended by then.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.model import OUTCOMES, SETTLEMENT, STATE_VARIABLES
from sim.outcomes import QUANTILES, wilson

__all__ = [
    "DEFAULT_MIN_ESS", "DEFAULT_TOLERANCE", "EVENTS", "Conditioning", "Ensemble", "EventObservation",
    "Observations", "ValueObservation", "brier_score", "condition", "crps_sample", "effective_sample_size",
    "load_ensemble", "log_score", "pit", "read_observations", "score", "weighted_quantile",
    "write_conditioned",
]

MAX_OBSERVATIONS_BYTES = 10_000_000
COLUMNS = ("date", "variable", "value", "sd", "event", "happened")
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "1"}, {"false", "no", "0"}

# Default kernel width for an observation without ``sd``: this share of the variable's reporting range in
# STATE_VARIABLES (India's share: 0.02; Brent: $4/bbl; Russia's oil revenue: $0.1bn/week).
DEFAULT_TOLERANCE = 0.02
# Under this effective sample size ``sim condition`` warns and exits with status 3: at 100, a probability
# of 50% carries a 95% interval of about +/-10 points.
DEFAULT_MIN_ESS = 100.0
SCORE_FILE = "score.json"
CALIBRATION_CHART = "calibration.png"
PARAMETERS_CHART = "parameters.png"
OBSERVATIONS_COPY = "observations.csv"

Kernel = Literal["gaussian", "uniform"]


@dataclass(frozen=True)
class EventKind:
    """A fact that can be checked in every replicate.

    ``outcome``: the replicate ended with this outcome (any, for ``ended``) on or before the date's week.
    ``counter``: the weekly state variable ``variable`` (cumulative, so monotone) is positive at the date's
    week; ``cumulative`` is its end-of-run column, which answers for replicates that never counted or had
    ended by then.
    ``level``: the weekly state variable ``variable`` is positive at the date's week.
    """

    kind: Literal["outcome", "counter", "level"]
    meaning: str
    outcome: str | None = None
    variable: str | None = None
    cumulative: str | None = None


EVENTS: dict[str, EventKind] = {
    **{name: EventKind("outcome", f"the war had ended in {name.replace('_', ' ')} by the date", outcome=name)
       for name in OUTCOMES if name != "ongoing"},
    "ended": EventKind("outcome", "the war had ended, with any outcome, by the date"),
    "tomahawks_delivered": EventKind("counter", "at least one Tomahawk had been delivered to Ukraine by the date",
                                     variable="tomahawks_delivered", cumulative="cum.tomahawks_delivered"),
    "talks": EventKind("counter", "talks had been held at least once by the date", variable="talks_held",
                       cumulative="cum.talks_held"),
    # The lever is recorded weekly as the state variable ``penalty_tariff`` (keep it with --trajectories).
    "penalty_tariff": EventKind("level", "the US penalty tariff on India for Russian oil was in force at the date",
                                variable="penalty_tariff"),
}


# ---------------------------------------------------------------------------------------------------------
# Observations files


@dataclass(frozen=True)
class ValueObservation:
    """A state variable's value on a date; ``sd`` is its measurement error (None: the default tolerance)."""

    line: int
    date: dt.date
    week: int
    variable: str
    value: float
    sd: float | None = None


@dataclass(frozen=True)
class EventObservation:
    """Whether a fact held on a date (see EVENTS)."""

    line: int
    date: dt.date
    week: int
    event: str
    happened: bool


@dataclass(frozen=True)
class Observations:
    path: str
    sha256: str
    values: tuple[ValueObservation, ...]
    events: tuple[EventObservation, ...]

    def __len__(self) -> int:
        return len(self.values) + len(self.events)


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def date_to_week(date: dt.date, start: dt.date, horizon: int) -> int:
    """The week a date falls in: ``floor(days since start / 7)``, within [0, horizon]."""
    days = (date - start).days
    if days < 0:
        raise ValueError(f"date {date} is before the scenario's start date {start}")
    if days > 7 * horizon:
        end = start + dt.timedelta(weeks=horizon)
        raise ValueError(f"date {date} is after the horizon (week {horizon}, {end})")
    return days // 7


def read_observations(path: str | Path, start: dt.date, horizon: int) -> Observations:
    """Read and validate an observations file against a scenario's dates; errors name the file and line."""
    path = Path(path)
    src = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such observations file", source=src) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the observations file ({exc.strerror})", source=src) from None
    if len(raw) > MAX_OBSERVATIONS_BYTES:
        raise ScenarioError(f"observations file larger than {MAX_OBSERVATIONS_BYTES:,} bytes", source=src)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError("expected a UTF-8 text file", source=src) from None

    # Whole-line comments ('#' as the first non-blank character) and blank lines are skipped; line numbers in
    # messages are those of the file.
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), start=1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError("no observations (the file is empty or has only comments)", source=src)
    header_line, header_text = lines[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    for h in header:
        if h not in COLUMNS:
            raise ScenarioError(f"unknown column {h!r}{_did_you_mean(h, COLUMNS)}; expected columns "
                                + ", ".join(COLUMNS), source=src, field=f"line {header_line}")
    if len(set(header)) != len(header):
        raise ScenarioError("a column is named twice in the header", source=src, field=f"line {header_line}")
    has_values = {"variable", "value"} <= set(header)
    has_events = {"event", "happened"} <= set(header)
    if "date" not in header or not (has_values or has_events):
        raise ScenarioError("expected a header with date, variable, value[, sd] and/or date, event, happened; "
                            f"got {', '.join(header)}", source=src, field=f"line {header_line}")
    if len(lines) == 1:
        raise ScenarioError("no observations (the file has a header and no rows)", source=src)

    values: list[ValueObservation] = []
    events: list[EventObservation] = []
    for lineno, row_text in lines[1:]:
        where = f"line {lineno}"
        cells = next(csv.reader([row_text]))
        if len(cells) > len(header):
            raise ScenarioError(f"expected {len(header)} fields ({', '.join(header)}), got {len(cells)}",
                                source=src, field=where)
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        try:
            date = dt.date.fromisoformat(row["date"])
        except ValueError:
            raise ScenarioError(f"date: expected YYYY-MM-DD, got {row['date']!r}", source=src,
                                field=where) from None
        try:
            week = date_to_week(date, start, horizon)
        except ValueError as exc:
            raise ScenarioError(str(exc), source=src, field=where) from None
        variable, event = row.get("variable", ""), row.get("event", "")
        if variable and event:
            raise ScenarioError("a row is either a variable (variable, value[, sd]) or an event (event, "
                                "happened), not both", source=src, field=where)
        if variable:
            values.append(_value_row(row, variable, date, week, src, lineno))
        elif event:
            events.append(_event_row(row, event, date, week, src, lineno))
        else:
            raise ScenarioError("expected a variable or an event on the row", source=src, field=where)
    digest = hashlib.sha256(raw).hexdigest()
    return Observations(src, digest, tuple(values), tuple(events))


def _number(text: str, name: str, src: str, lineno: int) -> float:
    try:
        x = float(text)
    except ValueError:
        raise ScenarioError(f"{name}: expected a number, got {text!r}", source=src, field=f"line {lineno}") from None
    if not math.isfinite(x):
        raise ScenarioError(f"{name}: expected a finite number, got {text!r}", source=src, field=f"line {lineno}")
    return x


def _value_row(row: dict[str, str], variable: str, date: dt.date, week: int, src: str,
               lineno: int) -> ValueObservation:
    where = f"line {lineno}"
    if variable not in STATE_VARIABLES:
        hint = " (that is an event: put it in the event column)" if variable in EVENTS else _did_you_mean(
            variable, STATE_VARIABLES)
        raise ScenarioError(f"unknown variable {variable!r}{hint}; expected a state variable: "
                            + ", ".join(STATE_VARIABLES), source=src, field=where)
    if row.get("happened"):
        raise ScenarioError("happened is for event rows; a variable row has value[, sd]", source=src, field=where)
    if not row.get("value"):
        raise ScenarioError(f"value: missing for variable {variable!r}", source=src, field=where)
    value = _number(row["value"], "value", src, lineno)
    sd = None
    if row.get("sd"):
        sd = _number(row["sd"], "sd", src, lineno)
        if sd <= 0:
            raise ScenarioError(f"sd: expected a positive number, got {row['sd']!r}", source=src, field=where)
    return ValueObservation(lineno, date, week, variable, value, sd)


def _event_row(row: dict[str, str], event: str, date: dt.date, week: int, src: str,
               lineno: int) -> EventObservation:
    where = f"line {lineno}"
    if event not in EVENTS:
        hint = " (that is a state variable: put it in the variable column)" if event in STATE_VARIABLES else (
            _did_you_mean(event, EVENTS))
        raise ScenarioError(f"unknown event {event!r}{hint}; expected one of " + ", ".join(EVENTS), source=src,
                            field=where)
    if row.get("value") or row.get("sd"):
        raise ScenarioError("value and sd are for variable rows; an event row has happened", source=src,
                            field=where)
    word = row.get("happened", "").lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ScenarioError(f"happened: expected true or false, got {row.get('happened', '')!r}", source=src,
                            field=where)
    return EventObservation(lineno, date, week, event, word in TRUE_WORDS)


# ---------------------------------------------------------------------------------------------------------
# A results directory as an ensemble: outcomes, weights and (streamed) trajectories


@dataclass
class Ensemble:
    """A results directory read for scoring or conditioning."""

    path: Path
    scenario: Any
    outcomes: pd.DataFrame
    manifest: dict[str, Any]
    kept: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @property
    def weights(self) -> np.ndarray | None:
        """The replicates' weights if the directory was itself conditioned, else None (equal weights)."""
        if "weight" not in self.outcomes:
            return None
        return self.outcomes["weight"].to_numpy(dtype=float)

    @property
    def trajectories_path(self) -> Path:
        from sim.results import TRAJECTORIES_FILE

        return self.path / TRAJECTORIES_FILE

    def trajectories(self, cells: Mapping[str, Sequence[int]]) -> dict[str, np.ndarray]:
        """For each variable, its values at the given weeks: an array (len(weeks), n), float32.

        Streams the file a record batch at a time, so memory is the answer plus one batch."""
        reps = self.outcomes["replicate"].to_numpy(dtype=np.int64)
        contiguous = bool(np.array_equal(reps, np.arange(self.n)))
        order = None if contiguous else np.argsort(reps, kind="stable")
        horizon = self.scenario.horizon_weeks
        out: dict[str, np.ndarray] = {}
        row_of: dict[str, np.ndarray] = {}
        filled: dict[str, int] = {}
        for var, weeks in cells.items():
            out[var] = np.full((len(weeks), self.n), np.nan, dtype=np.float32)
            lookup = np.full(horizon + 1, -1, dtype=np.int64)
            lookup[np.asarray(weeks, dtype=np.int64)] = np.arange(len(weeks))
            row_of[var] = lookup
            filled[var] = 0
        if not cells:
            return out
        pf = pq.ParquetFile(self.trajectories_path)
        for batch in pf.iter_batches(batch_size=1 << 20, columns=["replicate", "week", "variable", "value"]):
            var_col = batch.column("variable")
            if not isinstance(var_col, pa.DictionaryArray):
                var_col = var_col.dictionary_encode()
            names = var_col.dictionary.to_pylist()
            codes = var_col.indices.to_numpy(zero_copy_only=False)
            week = batch.column("week").to_numpy(zero_copy_only=False)
            replicate = batch.column("replicate").to_numpy(zero_copy_only=False)
            value = batch.column("value").to_numpy(zero_copy_only=False)
            for var in cells:
                if var not in names:
                    continue
                m = codes == names.index(var)
                if not m.any():
                    continue
                wk = week[m]
                row = row_of[var][np.clip(wk, 0, horizon)]
                keep = (row >= 0) & (wk <= horizon)
                rep = replicate[m][keep]
                col = rep if order is None else order[np.searchsorted(reps, rep, sorter=order)]
                out[var][row[keep], col] = value[m][keep]
                filled[var] += int(keep.sum())
        for var, weeks in cells.items():
            if filled[var] != len(weeks) * self.n:
                raise ScenarioError(f"trajectories of {var!r} are incomplete ({filled[var]:,} of "
                                    f"{len(weeks) * self.n:,} values)", source=str(self.trajectories_path))
        return out


def load_ensemble(path: str | Path) -> Ensemble:
    """Read a results directory (a run or a conditioned run) for scoring or conditioning."""
    from sim.results import load_results

    path = Path(path)
    result = load_results(path)
    sc = result.scenario
    kept: tuple[str, ...] = ()
    if (path / "trajectories.parquet").exists():
        kept = tuple(sc.trajectories)
    manifest = {}
    if (path / "manifest.json").exists():
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return Ensemble(path, sc, result.outcomes, manifest, kept)


def _missing_trajectory(ens: Ensemble, variable: str, what: str) -> ScenarioError:
    kept = ", ".join(ens.kept) if ens.kept else "none"
    return ScenarioError(f"{what} needs the weekly trajectory of {variable!r}, which {ens.path} did not keep "
                         f"(kept: {kept}); rerun with sim run ... --trajectories "
                         + ",".join([*ens.kept, variable]))


def _event_plan(ens: Ensemble, obs: Observations) -> dict[str, set[int]]:
    """Check that every observation can be evaluated in this ensemble; return the trajectory cells needed."""
    cells: dict[str, set[int]] = {}
    src = obs.path
    for v in obs.values:
        if v.variable not in ens.kept:
            err = _missing_trajectory(ens, v.variable, f"variable {v.variable!r}")
            raise ScenarioError(str(err), source=src, field=f"line {v.line}")
        cells.setdefault(v.variable, set()).add(v.week)
    outcome = ens.outcomes["outcome"].astype(str).to_numpy()
    end_week = ens.outcomes["week"].to_numpy()
    horizon = ens.scenario.horizon_weeks
    for e in obs.events:
        kind = EVENTS[e.event]
        if kind.kind == "outcome":
            continue
        var = kind.variable or ""
        if kind.kind == "counter" and var not in ens.kept:
            # A cumulative count freezes when a replicate ends, so the end-of-run figure answers for a
            # replicate that never counted or had ended by the date; the others need the weekly trajectory.
            done = (ens.outcomes[kind.cumulative or ""].to_numpy() == 0) | (
                (outcome != OUTCOMES[0]) & (end_week <= e.week)) | (e.week >= horizon)
            if done.all():
                continue
        if var in ens.kept:
            cells.setdefault(var, set()).add(e.week)
            continue
        what = f"event {e.event!r} on {e.date} (week {e.week})"
        if var not in STATE_VARIABLES:
            recorded = f" (only {kind.cumulative} at the end of each run)" if kind.cumulative else ""
            raise ScenarioError(f"{what} cannot be evaluated: the model does not record {var!r} weekly"
                                f"{recorded}; see docs/observations.md", source=src, field=f"line {e.line}")
        raise ScenarioError(str(_missing_trajectory(ens, var, what)), source=src, field=f"line {e.line}")
    return cells


@dataclass
class Evidence:
    """Every observation evaluated in every replicate: ``values[j]`` the replicates' values of value
    observation j; ``events[k]`` whether event observation k's fact held in each replicate."""

    values: np.ndarray  # (n_values, n) float64
    events: np.ndarray  # (n_events, n) bool


def gather(ens: Ensemble, obs: Observations) -> Evidence:
    """Evaluate every observation in every replicate (one streamed pass over the trajectories)."""
    plan = _event_plan(ens, obs)
    cells = {var: sorted(weeks) for var, weeks in plan.items()}
    traj = ens.trajectories(cells)
    values = np.empty((len(obs.values), ens.n))
    for j, v in enumerate(obs.values):
        values[j] = traj[v.variable][cells[v.variable].index(v.week)]
    outcome = ens.outcomes["outcome"].astype(str).to_numpy()
    end_week = ens.outcomes["week"].to_numpy()
    ended = outcome != OUTCOMES[0]
    events = np.zeros((len(obs.events), ens.n), dtype=bool)
    for k, e in enumerate(obs.events):
        kind = EVENTS[e.event]
        if kind.kind == "outcome":
            hit = ended if kind.outcome is None else outcome == kind.outcome
            events[k] = hit & ended & (end_week <= e.week)
        elif kind.variable in traj:
            events[k] = traj[kind.variable][cells[kind.variable].index(e.week)] > 0
        else:  # a counter answered by its end-of-run figure (checked in _event_plan)
            events[k] = ens.outcomes[kind.cumulative or ""].to_numpy() > 0
    return Evidence(values, events)


# ---------------------------------------------------------------------------------------------------------
# Scoring rules (all negatively oriented: lower is better)


def _prepare(sample: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Finite members with positive weight, weights normalised to sum to 1."""
    x = np.asarray(sample, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    if x.size == 0:
        raise ValueError("empty sample (no finite member with positive weight)")
    return x, w / w.sum()


def crps_sample(sample: np.ndarray, y: float, weights: np.ndarray | None = None) -> float:
    """The continuous ranked probability score of the (weighted) sample's distribution at y.

    Exact for the sample's empirical distribution: CRPS = E|X - y| - 1/2 E|X - X'|, with the second term
    from the sorted sample in O(n log n): 1/2 E|X - X'| = sum_j w_j x_j (2 W_<j + w_j - 1)."""
    x, w = _prepare(sample, weights)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    below = np.cumsum(ws) - ws
    spread = float(np.sum(ws * xs * (2.0 * below + ws - 1.0)))
    return float(np.sum(w * np.abs(x - y))) - spread


def pit(sample: np.ndarray, y: float, weights: np.ndarray | None = None) -> float:
    """Probability integral transform of y: the (weighted) share of the sample below y, counting ties as
    half (mid-distribution PIT, so a y equal to every member scores 0.5)."""
    x, w = _prepare(sample, weights)
    return float(np.sum(w[x < y]) + 0.5 * np.sum(w[x == y]))


def weighted_quantile(sample: np.ndarray, qs: float | Sequence[float], weights: np.ndarray | None = None
                      ) -> np.ndarray:
    """Quantiles of a weighted sample: the member with cumulative weight W_<j + w_j/2 sits at probability
    W_<j + w_j/2 (Hazen's plotting positions, which reduce to (j + 1/2)/n with equal weights), linearly
    interpolated between members and clamped to the extremes."""
    x, w = _prepare(sample, weights)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    pos = np.cumsum(ws) - ws / 2.0
    return np.interp(np.asarray(qs, dtype=float), pos, xs)


def brier_score(p: float | np.ndarray, happened: bool | np.ndarray) -> Any:
    """(p - o)^2, o = 1 if the event happened else 0."""
    return (np.asarray(p, dtype=float) - np.asarray(happened, dtype=float)) ** 2


def log_score(p: float | np.ndarray, happened: bool | np.ndarray, eps: float = 1e-6) -> Any:
    """-ln of the probability given to what happened, with p clipped to [eps, 1 - eps] so that an event the
    ensemble never produced scores a large finite penalty instead of infinity."""
    pc = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    return -np.log(np.where(np.asarray(happened, dtype=bool), pc, 1.0 - pc))


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2: n for equal weights, 1 for a single one."""
    w = np.asarray(weights, dtype=float)
    s2 = float(np.sum(w * w))
    return 0.0 if s2 == 0.0 else float(np.sum(w)) ** 2 / s2


def event_clip(ess: float) -> float:
    """The log score's clipping: half a replicate's worth of probability, 1 / (2 ESS)."""
    return 0.5 / max(ess, 1.0)


def score(ens: Ensemble, obs: Observations) -> dict[str, Any]:
    """Score every observation against the ensemble (weighted if it was conditioned); a JSON-ready report."""
    ev = gather(ens, obs)
    w = ens.weights
    ess = effective_sample_size(w) if w is not None else float(ens.n)
    value_rows = []
    for j, o in enumerate(obs.values):
        x = ev.values[j]
        q = weighted_quantile(x, (0.05, 0.25, 0.5, 0.75, 0.95), w)
        u = pit(x, o.value, w)
        value_rows.append({
            "line": o.line, "date": o.date.isoformat(), "week": o.week, "variable": o.variable,
            "value": o.value, "sd": o.sd, "mean": float(np.average(x, weights=w)),
            "q05": float(q[0]), "q25": float(q[1]), "median": float(q[2]), "q75": float(q[3]), "q95": float(q[4]),
            "pit": u, "in_50": bool(q[1] <= o.value <= q[3]), "in_90": bool(q[0] <= o.value <= q[4]),
            "crps": crps_sample(x, o.value, w),
        })
    eps = event_clip(ess)
    event_rows = []
    for k, e in enumerate(obs.events):
        p = float(np.average(ev.events[k], weights=w))
        event_rows.append({
            "line": e.line, "date": e.date.isoformat(), "week": e.week, "event": e.event, "happened": e.happened,
            "p": p, "brier": float(brier_score(p, e.happened)), "log_score": float(log_score(p, e.happened, eps)),
        })
    return {
        "results": str(ens.path), "observations": obs.path, "observations_sha256": obs.sha256,
        "scenario": ens.scenario.name, "start_date": ens.scenario.start_date.isoformat(),
        "replicates": ens.n, "weighted": w is not None, "ess": ess, "log_score_clip": eps,
        "values": value_rows, "events": event_rows, "summary": score_summary(value_rows, event_rows),
    }


NOMINAL_LEVELS = tuple(round(0.1 * k, 1) for k in range(1, 10))


def coverage_curve(pits: Sequence[float]) -> list[dict[str, float]]:
    """Share of observations inside the central interval of each nominal level (from their PIT values)."""
    u = np.asarray(pits, dtype=float)
    return [{"nominal": lvl, "observed": float(np.mean(np.abs(u - 0.5) <= lvl / 2 + 1e-12))}
            for lvl in NOMINAL_LEVELS] if u.size else []


def score_summary(value_rows: list[dict[str, Any]], event_rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"values": len(value_rows), "events": len(event_rows)}
    if value_rows:
        frame = pd.DataFrame(value_rows)
        out["coverage_50"] = {"observed": float(frame["in_50"].mean()), "nominal": 0.5}
        out["coverage_90"] = {"observed": float(frame["in_90"].mean()), "nominal": 0.9}
        out["mean_pit"] = float(frame["pit"].mean())
        out["coverage_curve"] = coverage_curve(frame["pit"].tolist())
        out["by_variable"] = {
            var: {"n": len(g), "coverage_50": float(g["in_50"].mean()), "coverage_90": float(g["in_90"].mean()),
                  "mean_pit": float(g["pit"].mean()), "mean_crps": float(g["crps"].mean())}
            for var, g in frame.groupby("variable", sort=True)}
    if event_rows:
        out["mean_brier"] = float(np.mean([r["brier"] for r in event_rows]))
        out["mean_log_score"] = float(np.mean([r["log_score"] for r in event_rows]))
    return out


# ---------------------------------------------------------------------------------------------------------
# Conditioning


@dataclass
class Conditioning:
    """The posterior weights (summing to 1; all zero if no replicate is consistent) and how they came about."""

    weights: np.ndarray
    ess: float
    kernel: str
    tolerance: float
    event_error: float
    bandwidths: list[float]
    prior_ess: float


def bandwidth(o: ValueObservation, tolerance: float) -> float:
    """The kernel width of a value observation: its sd, else ``tolerance`` x the variable's range."""
    if o.sd is not None:
        return o.sd
    lo, hi, _ = STATE_VARIABLES[o.variable]
    return tolerance * (hi - lo)


def log_likelihood(ev: Evidence, obs: Observations, *, kernel: Kernel = "gaussian",
                   tolerance: float = DEFAULT_TOLERANCE, event_error: float = 0.0
                   ) -> tuple[np.ndarray, list[float]]:
    """Each replicate's log kernel weight: a sum over observations (they are taken as independent)."""
    logw = np.zeros(ev.values.shape[1])
    widths = []
    with np.errstate(invalid="ignore"):
        for j, o in enumerate(obs.values):
            h = bandwidth(o, tolerance)
            widths.append(h)
            z = (ev.values[j] - o.value) / h
            term = -0.5 * z * z if kernel == "gaussian" else np.where(np.abs(z) <= 1.0, 0.0, -np.inf)
            logw += np.where(np.isfinite(z), term, -np.inf)
    agree_log = math.log1p(-event_error)
    disagree_log = math.log(event_error) if event_error > 0 else -math.inf
    for k, e in enumerate(obs.events):
        logw += np.where(ev.events[k] == e.happened, agree_log, disagree_log)
    return logw, widths


def condition(ens: Ensemble, obs: Observations, *, kernel: Kernel = "gaussian",
              tolerance: float = DEFAULT_TOLERANCE, event_error: float = 0.0) -> Conditioning:
    """Reweight the replicates by their kernel weight times their prior weight (1, or the weight column of an
    already conditioned directory)."""
    if not tolerance > 0:
        raise ScenarioError(f"--tolerance: expected a positive share of the range, got {tolerance}")
    if not 0.0 <= event_error < 0.5:
        raise ScenarioError(f"--event-error: expected a probability in [0, 0.5), got {event_error}")
    ev = gather(ens, obs)
    logw, widths = log_likelihood(ev, obs, kernel=kernel, tolerance=tolerance, event_error=event_error)
    prior = ens.weights
    prior_ess = effective_sample_size(prior) if prior is not None else float(ens.n)
    if prior is not None:
        with np.errstate(divide="ignore"):
            logw = logw + np.log(prior)
    top = float(np.max(logw)) if logw.size else -math.inf
    if not math.isfinite(top):
        w = np.zeros_like(logw)
    else:
        # Subtracting the largest log weight keeps the best replicate at 1: no underflow of all weights when
        # there are many observations.
        w = np.exp(logw - top)
        w /= w.sum()
    return Conditioning(w, effective_sample_size(w), kernel, tolerance, event_error, widths, prior_ess)


def weighted_summary(outcomes: pd.DataFrame, w: np.ndarray, ess: float, start: dt.date,
                     horizon: int) -> dict[str, Any]:
    """The schema of ``sim.outcomes.summarise`` from weights: probabilities are weight shares, intervals are
    Wilson's with n replaced by the effective sample size, and ``count`` is the effective count p x ESS."""
    outcome = outcomes["outcome"].astype(str).to_numpy()
    week = outcomes["week"].to_numpy()
    probs: dict[str, Any] = {}
    for name in OUTCOMES:
        p = float(w[outcome == name].sum())
        lo, hi = wilson(np.asarray(p * ess), np.asarray(ess))
        probs[name] = {"count": int(round(p * ess)), "p": p, "lo": float(lo), "hi": float(hi)}
    settled = outcome == OUTCOMES[SETTLEMENT]
    summary: dict[str, Any] = {"replicates": len(outcomes), "horizon_weeks": horizon,
                               "start_date": start.isoformat(), "outcomes": probs}

    def quartiles(values: np.ndarray, weights: np.ndarray) -> dict[str, float | None]:
        if values.size == 0 or weights.sum() <= 0:
            return {"q25": None, "median": None, "q75": None, "mean": None}
        q = weighted_quantile(values, (0.25, 0.5, 0.75), weights)
        return {"q25": float(q[0]), "median": float(q[1]), "q75": float(q[2]),
                "mean": float(np.average(values, weights=weights))}

    summary["settlement_week"] = quartiles(week[settled].astype(float), w[settled])
    summary["settlement_date"] = {k: (None if v is None else (start + dt.timedelta(weeks=v)).isoformat())
                                  for k, v in summary["settlement_week"].items() if k != "mean"}
    summary["settlement_terms"] = quartiles(outcomes["terms"].to_numpy(dtype=float)[settled], w[settled])
    by_week = {}
    for wk in sorted({26, 52, horizon} & set(range(1, horizon + 1))):
        p = float(w[settled & (week <= wk)].sum())
        lo, hi = wilson(np.asarray(p * ess), np.asarray(ess))
        by_week[str(wk)] = {"p": p, "lo": float(lo), "hi": float(hi)}
    summary["settlement_by_week"] = by_week
    summary["co_triggered"] = int((outcomes["co_triggered"].to_numpy(dtype=bool) & (w > 0)).sum())
    summary["end_front_median"] = float(weighted_quantile(outcomes["end.front"].to_numpy(dtype=float), 0.5, w))
    summary["ess"] = ess
    summary["replicates_weighted"] = int((w > 0).sum())
    return dict(_clean(summary))


def _clean(obj: Any) -> Any:
    """NaN to None, as in summary.json."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def _moments(x: np.ndarray, w: np.ndarray | None) -> dict[str, float]:
    xs, ws = _prepare(x, w)
    mean = float(np.sum(ws * xs))
    sd = float(np.sqrt(np.sum(ws * (xs - mean) ** 2)))
    q = weighted_quantile(xs, (0.05, 0.5, 0.95), ws)
    return {"mean": mean, "sd": sd, "q05": float(q[0]), "median": float(q[1]), "q95": float(q[2])}


def sampled_parameters(outcomes: pd.DataFrame) -> list[str]:
    return [c for c in outcomes.columns if c.startswith(("params.", "initial."))]


def parameter_summary(outcomes: pd.DataFrame, prior: np.ndarray | None, posterior: np.ndarray
                      ) -> dict[str, dict[str, Any]]:
    """Prior against posterior of every sampled parameter: moments, quantiles, the shift of the mean in prior
    standard deviations, and the ratio of the standard deviations (under 1: the observations informed it)."""
    out: dict[str, dict[str, Any]] = {}
    for col in sampled_parameters(outcomes):
        x = outcomes[col].to_numpy(dtype=float)
        a, b = _moments(x, prior), _moments(x, posterior)
        out[col] = {"prior": a, "posterior": b,
                    "shift_sd": (b["mean"] - a["mean"]) / a["sd"] if a["sd"] > 0 else 0.0,
                    "sd_ratio": b["sd"] / a["sd"] if a["sd"] > 0 else 1.0}
    return out


def weighted_weekly(ens: Ensemble, w: np.ndarray, prior_weekly: pd.DataFrame | None = None) -> pd.DataFrame:
    """The weekly table (schema of sim.outcomes.WeeklyAccumulator.table) from weights: trajectory variables
    (scopes ``active`` and ``all``) and the cumulative outcome shares ``share.<outcome>``; ``n`` counts the
    replicates with positive weight. Variables without a trajectory cannot be conditioned: their rows are
    copied unchanged from ``prior_weekly`` when it is given (and listed by ``unconditioned_variables``)."""
    sc = ens.scenario
    weeks = sc.horizon_weeks + 1
    outcome = ens.outcomes["outcome"].astype(str).to_numpy()
    end_week = ens.outcomes["week"].to_numpy()
    ended = outcome != OUTCOMES[0]
    qcols = [f"q{int(round(q * 100)):02d}" for q in QUANTILES]
    frames = []
    positive = w > 0
    nan_row = {"n": 0, "mean": np.nan, **{c: np.nan for c in qcols}}
    for var in ens.kept:
        values = ens.trajectories({var: list(range(weeks))})[var]  # one variable at a time: bounded memory
        rows: dict[str, list[dict[str, Any]]] = {"active": [], "all": []}
        for t in range(weeks):
            # One sort a week serves both scopes: a scope is a mask over the sorted order.
            order = np.argsort(values[t], kind="stable")
            xs_all = values[t][order].astype(float)
            usable = positive[order] & np.isfinite(xs_all)
            alive = ~(ended & (end_week <= t))
            for scope, mask in (("active", usable & alive[order]), ("all", usable)):
                xs, ws = xs_all[mask], w[order][mask]
                if xs.size == 0:
                    rows[scope].append(nan_row)
                    continue
                total = ws.sum()
                pos = (np.cumsum(ws) - ws / 2.0) / total  # Hazen positions, as in weighted_quantile
                qv = np.interp(QUANTILES, pos, xs)
                rows[scope].append({"n": int(xs.size), "mean": float(np.dot(xs, ws) / total),
                                    **{c: float(v) for c, v in zip(qcols, qv, strict=True)}})
        for scope in ("active", "all"):
            table = pd.DataFrame(rows[scope], columns=["n", "mean", *qcols])
            frames.append(pd.DataFrame({"week": np.arange(weeks, dtype=np.int32), "variable": var,
                                        "scope": scope, "n": table["n"].to_numpy(dtype=np.int64),
                                        **{c: table[c].to_numpy(dtype=float) for c in ["mean", *qcols]}}))
    n_pos = int(positive.sum())
    for name in OUTCOMES:
        if name == OUTCOMES[0]:
            share = [float(w[~(ended & (end_week <= t))].sum()) for t in range(weeks)]
        else:
            hit = outcome == name
            share = [float(w[hit & (end_week <= t)].sum()) for t in range(weeks)]
        frames.append(pd.DataFrame({"week": np.arange(weeks, dtype=np.int32), "variable": f"share.{name}",
                                    "scope": "all", "n": np.full(weeks, n_pos, dtype=np.int64), "mean": share,
                                    **{c: np.nan for c in qcols}}))
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(1, "date", [sc.start_date + dt.timedelta(weeks=int(t)) for t in frame["week"]])
    if prior_weekly is not None:
        copied = prior_weekly[~prior_weekly["variable"].isin(set(frame["variable"]))]
        frame = pd.concat([frame, copied[frame.columns]], ignore_index=True)
    return frame.sort_values(["variable", "scope", "week"], kind="stable").reset_index(drop=True)


def unconditioned_variables(prior_weekly: pd.DataFrame, kept: Sequence[str]) -> list[str]:
    """The state variables whose weekly rows a conditioned directory copies from its prior."""
    names = set(prior_weekly["variable"]) - set(kept)
    return sorted(n for n in names if not n.startswith("share."))


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_conditioned(ens: Ensemble, obs: Observations, cond: Conditioning, out: str | Path, *,
                      force: bool = False, min_ess: float = DEFAULT_MIN_ESS,
                      command: str | None = None) -> dict[str, Any]:
    """Write the conditioned results directory atomically; return its summary."""
    from sim.observe_plots import parameters_figure
    from sim.results import (
        MANIFEST_FILE,
        OUTCOMES_FILE,
        SCENARIO_FILE,
        SUMMARY_FILE,
        TRAJECTORIES_FILE,
        WEEKLY_FILE,
        atomic_dir,
        git_commit,
        versions,
        write_json,
        write_parquet,
    )

    started = time.perf_counter()
    sc = ens.scenario
    out = Path(out)
    w = cond.weights
    summary = weighted_summary(ens.outcomes, w, cond.ess, sc.start_date, sc.horizon_weeks)
    summary["scenario"] = sc.name
    summary["seed"] = sc.seed
    params = parameter_summary(ens.outcomes, ens.weights, w)
    summary["parameters"] = params
    summary["conditioning"] = {
        "observations": obs.path, "observations_sha256": obs.sha256, "values": len(obs.values),
        "events": len(obs.events), "kernel": cond.kernel, "tolerance": cond.tolerance,
        "event_error": cond.event_error, "ess": cond.ess, "prior_ess": cond.prior_ess, "min_ess": min_ess,
        "low_ess": cond.ess < min_ess,
    }
    prior_weekly = pd.read_parquet(ens.path / WEEKLY_FILE)
    weekly = weighted_weekly(ens, w, prior_weekly)
    unconditioned = unconditioned_variables(prior_weekly, ens.kept)
    summary["conditioning"]["weekly_unconditioned"] = unconditioned
    outcomes = ens.outcomes.copy()
    outcomes["weight"] = w
    with atomic_dir(out, force) as tmp:
        write_parquet(outcomes, tmp / OUTCOMES_FILE)
        write_parquet(weekly, tmp / WEEKLY_FILE)
        write_json(summary, tmp / SUMMARY_FILE)
        shutil.copyfile(ens.path / SCENARIO_FILE, tmp / SCENARIO_FILE)
        shutil.copyfile(obs.path, tmp / OBSERVATIONS_COPY)
        if ens.kept:
            _link_or_copy(ens.trajectories_path, tmp / TRAJECTORIES_FILE)
        (tmp / "charts").mkdir()
        fig = parameters_figure(ens.outcomes, ens.weights, w, params)
        fig.savefig(tmp / "charts" / PARAMETERS_CHART, dpi=110)
        prior_manifest = ens.manifest
        manifest = {
            "kind": "conditioned",
            "scenario": sc.name,
            "scenario_file": prior_manifest.get("scenario_file"),
            "scenario_sha256": sc.digest(),
            "seed": sc.seed,
            "replicates": ens.n,
            "chunk_size": sc.chunk_size,
            "horizon_weeks": sc.horizon_weeks,
            "prior": {"path": str(ens.path), "kind": prior_manifest.get("kind", "run"),
                      "created": prior_manifest.get("created"), "ess": cond.prior_ess},
            "observations": {"file": obs.path, "sha256": obs.sha256, "values": len(obs.values),
                             "events": len(obs.events)},
            "method": {"kernel": cond.kernel, "tolerance": cond.tolerance, "event_error": cond.event_error},
            "ess": cond.ess,
            "min_ess": min_ess,
            "weekly_conditioned": list(ens.kept),
            "weekly_unconditioned": unconditioned,
            "command": command or " ".join(sys.argv),
            "git_commit": git_commit(),
            "versions": versions(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "timings": {"wall_seconds": time.perf_counter() - started},
        }
        write_json(manifest, tmp / MANIFEST_FILE)
    return summary


def write_score(report: dict[str, Any], out: str | Path, *, force: bool = False) -> tuple[Path, Path | None]:
    """Write score.json and charts/calibration.png into ``out`` (each replaced atomically)."""
    from sim.errors import RunError
    from sim.observe_plots import calibration_figure
    from sim.results import write_json

    out = Path(out)
    target = out / SCORE_FILE
    if target.exists() and not force:
        raise RunError(f"{target}: exists; pass --force to replace it")
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{SCORE_FILE}.tmp-{os.getpid()}"
    write_json(report, tmp)
    os.replace(tmp, target)
    chart = None
    if report["values"] or report["events"]:
        (out / "charts").mkdir(exist_ok=True)
        chart = out / "charts" / CALIBRATION_CHART
        tmp_chart = chart.parent / f".{CALIBRATION_CHART}.tmp-{os.getpid()}.png"
        calibration_figure(report).savefig(tmp_chart, dpi=110)
        os.replace(tmp_chart, chart)
    return target, chart
