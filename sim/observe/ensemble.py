"""A results directory as an ensemble (outcomes, weights and streamed trajectories), and every observation
evaluated in every replicate of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.names import OUTCOMES, STATE_VARIABLES
from sim.observe.observations import EVENTS, Observations
from sim.observe.weighted import replicate_weights
from sim.provenance import read_manifest


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
        """The replicates' weights (sum 1) if the directory was itself conditioned, else None (equal weights)."""
        return replicate_weights(self.outcomes, str(self.path))

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
                raise ScenarioError(
                    f"trajectories of {var!r} are incomplete ({filled[var]:,} of {len(weeks) * self.n:,} values)",
                    source=str(self.trajectories_path),
                )
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
    return Ensemble(path, sc, result.outcomes, read_manifest(path), kept)


def _missing_trajectory(ens: Ensemble, variables: list[str], what: str) -> ScenarioError:
    """One error for every trajectory the observations need and the run did not keep, so that one rerun with
    the ``--trajectories`` list it gives answers them all."""
    kept = ", ".join(ens.kept) if ens.kept else "none"
    names = ", ".join(repr(v) for v in variables)
    more = f" (and {len(variables) - 1} more variable(s) on later lines)" if len(variables) > 1 else ""
    return ScenarioError(
        f"{what}{more} needs the weekly trajectories of {names}, which {ens.path} did not keep "
        f"(kept: {kept}); rerun with sim run ... --trajectories " + ",".join([*ens.kept, *variables])
    )


def _event_plan(ens: Ensemble, obs: Observations) -> dict[str, set[int]]:
    """Check that every observation can be evaluated in this ensemble; return the trajectory cells needed."""
    cells: dict[str, set[int]] = {}
    src = obs.path
    # every trajectory missing, in the order of the file's lines: (variable, what first needs it, its line)
    missing: dict[str, tuple[str, int]] = {}
    for v in obs.values:
        if v.variable not in ens.kept:
            missing.setdefault(v.variable, (f"variable {v.variable!r}", v.line))
            continue
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
            done = (
                (ens.outcomes[kind.cumulative or ""].to_numpy() == 0)
                | ((outcome != OUTCOMES[0]) & (end_week <= e.week))
                | (e.week >= horizon)
            )
            if done.all():
                continue
        if var in ens.kept:
            cells.setdefault(var, set()).add(e.week)
            continue
        what = f"event {e.event!r} on {e.date} (week {e.week})"
        if var not in STATE_VARIABLES:
            recorded = f" (only {kind.cumulative} at the end of each run)" if kind.cumulative else ""
            raise ScenarioError(
                f"{what} cannot be evaluated: the model does not record {var!r} weekly"
                f"{recorded}; see docs/observations.md",
                source=src,
                field=f"line {e.line}",
            )
        missing.setdefault(var, (what, e.line))
    if missing:
        variables = sorted(missing, key=lambda var: missing[var][1])
        what, line = missing[variables[0]]
        raise ScenarioError(str(_missing_trajectory(ens, variables, what)), source=src, field=f"line {line}")
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
