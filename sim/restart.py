"""Continue an ensemble from a later date (issue 13 §4): ``sim run SCENARIO --from RESULTS --at DATE``.

Nothing is stored by the run restarted from beyond its results directory: the state of every replicate at
DATE is **rebuilt by re-simulating** that run (its ``scenario.resolved.yaml``, same seed, same chunks) to the
last week ending on or before DATE, which is deterministic (``sim.runner``: a chunk depends only on the
scenario, the seed and the chunk). From the week after, SCENARIO governs. Two modes:

- **one to one** (RESULTS is an ordinary run): each replicate continues as itself, with the random numbers
  it would have drawn. Restarting with the scenario it was run with reproduces that run byte for byte; a
  changed scenario is paired with it under common random numbers and differs only after DATE.
- **resampled** (RESULTS carries weights: a run conditioned by ``sim condition``, or a calibration written by
  ``sim calibrate``): SCENARIO's ``replicates`` are drawn from the replicates by weight (systematic
  resampling), each with its full state at DATE and its history, parameters, levers, event draws and policy
  memory, and continue with fresh random streams derived from SCENARIO's seed and DATE (two copies of one
  replicate diverge from DATE on). Restarting with equal weights reproduces the original run's distribution.

What SCENARIO may change: everything after DATE (its events of later weeks, its policies, which act from the
week after DATE, its horizon, replicates in the resampled mode, the trajectories kept) and the levers'
values (a lever whose value in SCENARIO differs from the run's is set to it at DATE, in every replicate, as
an event would). What it may not (one-line errors): the start date, the switches, a parameter or initial
value given as a number (the replicates keep the run's parameters; a distribution in SCENARIO is not drawn
again), or an event in a week up to DATE.

The history before DATE is the run's (resampled: that of the replicates drawn), so the result is an ordinary
results directory from the start date; its manifest records the restart (``restart``: from, at, week, mode).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import seeds
from sim.distributions import DIST_TYPES
from sim.errors import RunError, ScenarioError

if TYPE_CHECKING:
    from sim.model import PressureModel
    from sim.results import RunResult
    from sim.scenario import Scenario

SCENARIO_FILE = "scenario.resolved.yaml"
PARTICLES_FILE = "particles.csv"

# Per-replicate arrays of the model itself (besides its state, constants, parameters, levers, agents and
# events, which are read whole): ``per_replicate_attributes`` checks that nothing else is.
MODEL_ARRAYS = ("active", "outcome", "end_week", "terms", "co_trigger")
# Attributes that hold a reference to the model or a spec (never per-replicate data).
AGENT_SKIP = frozenset({"model", "host", "levers", "policies", "unique_id", "pos"})


# ---------------------------------------------------------------------------------------------------------
# The source: a results directory whose run can be re-simulated


@dataclass(frozen=True)
class Source:
    """A results directory to restart from: the run to re-simulate, its replicates' weights (None: one to
    one) and what it stored of the parameters drawn, to check that re-simulating reproduces it."""

    path: str
    kind: str  # run, conditioned or calibration
    scenario: Scenario
    weights: np.ndarray | None
    stored: dict[str, Any]  # parameter columns (and outcome, week for a run) as stored


def read_source(path: str | Path) -> Source:
    """Read RESULTS: a run (``sim run``), a conditioned run (``sim condition``) or a calibration (``sim
    calibrate``). Every problem is one line naming the directory."""
    from sim.results import OUTCOMES_FILE, SCENARIO_FILE, load_results
    from sim.resultsdir import check_results_dir
    from sim.scenario import read_yaml, validate_scenario

    p = Path(path)
    where = str(p)
    if not p.is_dir():
        raise ScenarioError("not a results directory (no such directory)", source=where)
    if (p / PARTICLES_FILE).exists() and not (p / OUTCOMES_FILE).exists():
        if not (p / SCENARIO_FILE).exists():
            raise ScenarioError(
                f"a calibration without {SCENARIO_FILE} (written before restarts existed): calibrate again",
                source=where,
            )
        scenario = validate_scenario(read_yaml(p / SCENARIO_FILE), str(p / SCENARIO_FILE))
        columns, weights = _read_particles(p / PARTICLES_FILE, scenario.replicates)
        return Source(where, "calibration", scenario, weights, columns)
    manifest = check_results_dir(p, (OUTCOMES_FILE, SCENARIO_FILE))
    if manifest.get("kind", "run") not in ("run", "conditioned"):
        raise ScenarioError(f"a {manifest.get('kind')} directory: restart from a run's", source=where)
    if manifest.get("restart"):
        raise ScenarioError(
            "itself a restarted run (its history is another run's): restart from the run it came from",
            source=where,
        )
    result = load_results(p)
    from sim.observe.weighted import replicate_weights

    found = replicate_weights(result.outcomes, where)
    kind = "run" if found is None else "conditioned"
    cols = [c for c in result.outcomes.columns if c.startswith(("params.", "initial."))]
    stored = {c: result.outcomes[c].to_numpy() for c in [*cols, "outcome", "week"]}
    if len(result.outcomes) != result.scenario.replicates:
        raise ScenarioError(
            f"outcomes.parquet has {len(result.outcomes):,} rows for {result.scenario.replicates:,} replicates",
            source=where,
        )
    return Source(where, kind, result.scenario, found, stored)


def _read_particles(path: Path, n: int) -> tuple[dict[str, Any], np.ndarray]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:1] != ["replicate"] or rows[0][-1:] != ["weight"] or len(rows) - 1 != n:
        raise ScenarioError(f"expected a header replicate,...,weight and {n:,} rows", source=str(path))
    header = rows[0]
    try:
        values = np.array([[float(x) for x in r] for r in rows[1:]])
    except ValueError as exc:
        raise ScenarioError(f"a value is not a number ({exc})", source=str(path)) from None
    w = values[:, -1]
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ScenarioError("weight: expected finite, non-negative weights, not all zero", source=str(path))
    return {c: values[:, i] for i, c in enumerate(header) if c not in ("replicate", "weight")}, w / w.sum()


def week_of(date: dt.date, start: dt.date) -> int:
    """The restart week: the last week ending on or before ``date`` (week t ends start + 7t days)."""
    return (date - start).days // 7


def restart_seed(seed: int, date: dt.date) -> int:
    """The root seed of the fresh streams of a resampled restart: from the scenario's seed and the date."""
    digest = hashlib.sha256(f"restart:{seed}:{date.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def check_compatible(source: Source, sc: Scenario, week: int, date: dt.date, scenario_path: str) -> None:
    """What SCENARIO may not change against the run restarted from (one-line errors, exit status 2)."""
    from sim.params import iter_params

    a = source.scenario
    if sc.start_date != a.start_date:
        raise ScenarioError(
            f"start_date: {sc.start_date}, but the run in {source.path} starts on {a.start_date}",
            source=scenario_path,
        )
    if date < a.start_date or week > a.horizon_weeks:
        end = a.start_date + dt.timedelta(weeks=a.horizon_weeks)
        raise ScenarioError(
            f"--at {date}: expected a date in the run of {source.path}, {a.start_date} to {end}", source=None
        )
    if week >= sc.horizon_weeks:
        raise ScenarioError(
            f"--at {date} is week {week}, not before the horizon ({sc.horizon_weeks} weeks): nothing to run",
            source=scenario_path,
        )
    if sc.switches != a.switches:
        raise ScenarioError(
            f"switches: differ from the run in {source.path} (a restart keeps its processes)", source=scenario_path
        )
    theirs = {
        path: value for path, value, _e, _d in iter_params(a.params, "params") + iter_params(a.initial, "initial")
    }
    for path, value, _e, _d in iter_params(sc.params, "params") + iter_params(sc.initial, "initial"):
        other = theirs.get(path)
        if isinstance(value, DIST_TYPES) and isinstance(other, DIST_TYPES):
            continue  # drawn in both: the replicates keep their draws
        if value != other:
            raise ScenarioError(
                f"{path}: {_show(value)}, but {_show(other)} in the run in {source.path} (a restart keeps every "
                "replicate's parameters; change one from a date with a 'param' event)",
                source=scenario_path,
            )
    past_a = {name: ev for name, ev in a.events.items() if ev.week <= week}
    past_b = {name: ev for name, ev in sc.events.items() if ev.week <= week}
    for name in sorted(set(past_a) | set(past_b)):
        if past_a.get(name) != past_b.get(name):
            w = (past_b.get(name) or past_a[name]).week
            raise ScenarioError(
                f"week {w} is not after the restart (week {week}, {date}): events up to it are the run's "
                f"({source.path}); a restart may change only later weeks",
                source=scenario_path,
                field=f"events.{name}",
            )


def _show(value: Any) -> str:
    from sim.distributions import describe

    return "absent" if value is None else describe(value) if isinstance(value, DIST_TYPES) else repr(value)


def changed_levers(a: Scenario, sc: Scenario) -> dict[tuple[str, str], float]:
    """Levers whose declared value in SCENARIO differs from the run's: set to it at the restart."""
    from sim.levers import LEVERS

    out = {}
    for agent, table in LEVERS.items():
        for name, lever in table.items():
            va = getattr(a.agents, agent).levers.get(name, lever.default)
            vb = getattr(sc.agents, agent).levers.get(name, lever.default)
            if va != vb:
                out[(agent, name)] = math.nan if vb is None else float(vb)
    return out


# ---------------------------------------------------------------------------------------------------------
# A model's state at a week: taken, gathered across chunks, put into a model of the new scenario

# A snapshot is a tree of dicts and lists whose leaves are either arrays whose last axis runs over the
# replicates, or ``Shared`` values, the same for every replicate (taken as they are).


@dataclass(frozen=True)
class Shared:
    value: Any


def advance(model: PressureModel, week: int) -> dict[str, list[np.ndarray]]:
    """Step ``model`` (just built) to ``week``, keeping what the weekly recorder was given each week."""
    history: dict[str, list[np.ndarray]] = {"S": [], "active": [], "outcome": []}

    def keep() -> None:
        history["S"].append(model.state.S.copy())
        history["active"].append(model.active.copy())
        history["outcome"].append(model.outcome.copy())

    keep()
    while model.week < week:
        model.step()
        keep()
    return history


def _per_replicate(value: Any, n: int) -> bool:
    """An array over the replicates, or a non-empty list, tuple or dict of them."""
    if isinstance(value, np.ndarray):
        return value.ndim >= 1 and value.shape[-1] == n
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and value:
        return all(isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[-1] == n for v in value)
    return False


def _arrays(obj: Any, n: int, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """An object's per-replicate attributes (arrays, or lists of arrays, over the replicates)."""
    out: dict[str, Any] = {}
    for name, value in vars(obj).items():
        if name in skip or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray) and _per_replicate(value, n):
            out[name] = value.copy()
        elif isinstance(value, (list, tuple)) and _per_replicate(value, n):
            out[name] = [v.copy() for v in value]
        elif isinstance(value, dict) and _per_replicate(value, n):
            out[name] = {k: v.copy() for k, v in value.items()}
    return out


def snapshot(model: PressureModel, history: dict[str, list[np.ndarray]], *, streams: bool) -> dict[str, Any]:
    """Everything that makes each replicate of ``model`` what it is at its current week."""
    n = model.n
    const: dict[str, Any] = {}
    for name, value in vars(model.const).items():
        if name == "rows":
            continue
        if name == "demand_by_week" and np.ndim(value) == 1:  # the same for every replicate
            const[name] = Shared(value)
        else:
            const[name] = type(value)(v.copy() for v in value) if isinstance(value, (list, tuple)) else value.copy()
    agents = {}
    for key, agent in model.by_key.items():
        agents[key] = {
            "arrays": _arrays(agent, n, AGENT_SKIP),
            "levers": {name: v.copy() for name, v in agent.levers.items()},
            "policies": {
                p.name: {"kind": Shared(type(p).__name__), "spec": Shared(getattr(p, "spec", None)), **_arrays(p, n)}
                for p in agent.policies
            },
        }
    snap: dict[str, Any] = {
        "week": Shared(model.week),
        "model": {name: getattr(model, name).copy() for name in MODEL_ARRAYS},
        "events": {
            name: happens.copy() for (name, _ev), happens in zip(model.events, model.event_happens, strict=True)
        },
        "sampled": {path: v.copy() for path, v in model.sampled.items()},
        "params": {
            group: {
                "cls": Shared(type(values)),
                **{k: (v.copy() if _per_replicate(v, n) else Shared(v)) for k, v in values},
            }
            for group, values in model.p
        },
        "initial": {k: (v.copy() if _per_replicate(v, n) else Shared(v)) for k, v in model.initial},
        "state": {"S": model.state.S.copy(), **_state_extra(model)},
        "const": const,
        "agents": agents,
        "history": {
            "S": np.stack(history["S"]),
            "active": np.stack(history["active"]),
            "outcome": np.stack(history["outcome"]),
            "kept": {name: arr[: model.week + 1].copy() for name, arr in model.recorder.trajectories.items()},
        },
    }
    if streams:
        snap["streams"] = Shared(model.streams)
    return snap


def _state_extra(model: PressureModel) -> dict[str, np.ndarray]:
    """The state's variables that are not rows of S."""
    from sim.names import VARIABLE_NAMES

    return {k: v.copy() for k, v in vars(model.state).items() if k != "S" and k not in VARIABLE_NAMES}


def _tree(fn: Any, *trees: Any) -> Any:
    first = trees[0]
    if isinstance(first, Shared):
        return first
    if isinstance(first, dict):
        return {k: _tree(fn, *(t[k] for t in trees)) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_tree(fn, *(t[i] for t in trees)) for i in range(len(first)))
    return fn(*trees)


def take(snap: dict[str, Any], idx: np.ndarray) -> dict[str, Any]:
    """The replicates ``idx`` (with repeats) of a snapshot, in C order: indexing the last axis of a 2-D array
    yields strided memory, on which numpy's reductions and vectorised functions may round differently from
    the contiguous copy a worker receives (outputs must not depend on where a chunk ran)."""
    return _tree(lambda a: np.ascontiguousarray(a[..., idx]), snap)  # type: ignore[no-any-return]


def concat(snaps: list[dict[str, Any]]) -> dict[str, Any]:
    """Snapshots of consecutive chunks as one (replicates side by side)."""
    return _tree(lambda *a: np.concatenate(a, axis=-1), *snaps)  # type: ignore[no-any-return]


def restore(model: PressureModel, snap: dict[str, Any], levers: dict[tuple[str, str], float], seed: int | None) -> None:
    """Put a snapshot's replicates (``model.n`` of them) into ``model``, built from the new scenario; the
    levers in ``levers`` take their new value; ``seed`` None carries the snapshot's streams over, else fresh
    streams from it. The recorder is given the history again, so the weekly record starts at week 0."""
    from sim.names import ONGOING
    from sim.params import Initial, Params
    from sim.recorder import WeeklyRecorder
    from sim.state import seasonal_demand

    n = model.n
    week = snap["week"].value
    model.week = week
    # parameters and initial values (the replicates keep theirs; groups rebuilt as sim.sampling builds them)
    model.p = Params.model_construct(
        **{
            group: values["cls"].value.model_construct(
                **{k: (v.value if isinstance(v, Shared) else v) for k, v in values.items() if k != "cls"}
            )
            for group, values in snap["params"].items()
        }
    )
    model.initial = Initial.model_construct(
        **{k: (v.value if isinstance(v, Shared) else v) for k, v in snap["initial"].items()}
    )
    model.sampled = dict(snap["sampled"])
    # week-0 constants; seasonal demand far enough ahead for a longer horizon
    for name, value in snap["const"].items():
        setattr(model.const, name, value.value if isinstance(value, Shared) else value)
    model.const.rows = np.arange(n)
    ahead = model.horizon + int(np.ceil(np.max(model.p.negotiation.horizon))) + 2
    if model.const.demand_by_week.shape[0] < ahead:
        weeks = np.arange(ahead)
        model.const.demand_by_week = seasonal_demand(
            model.p, model.spec.start_date, weeks[:, None] if model.const.demand_by_week.ndim == 2 else weeks
        )
    # the state (in place: other objects hold views of its arrays)
    np.copyto(model.state.S, snap["state"]["S"])
    for name, value in snap["state"].items():
        if name != "S":
            np.copyto(getattr(model.state, name), value)
    for name, value in snap["model"].items():
        setattr(model, name, value.copy())
    model.end_week = np.where(model.outcome == ONGOING, model.horizon, model.end_week).astype(np.int32)
    # events: a replicate keeps its draw of an event the run had; a new event is drawn in the new model
    for k, (name, _ev) in enumerate(model.events):
        if name in snap["events"]:
            model.event_happens[k] = snap["events"][name]
    # agents: levers, memory, and the memory of a policy that is the same in both scenarios
    for key, agent in model.by_key.items():
        saved = snap["agents"][key]
        for name, value in saved["levers"].items():
            np.copyto(agent.levers[name], value)
        for name, value in saved["arrays"].items():
            setattr(agent, name, value)
        for policy in agent.policies:
            old = saved["policies"].get(policy.name)
            if (
                old
                and old["kind"].value == type(policy).__name__
                and old["spec"].value == getattr(policy, "spec", None)
            ):
                for name, value in old.items():
                    if name not in ("kind", "spec"):
                        setattr(policy, name, value)
    for (agent_key, name), value in levers.items():
        model.levers[agent_key][name][:] = value
    # the weekly record from week 0: the history again
    hist = snap["history"]
    model.recorder = WeeklyRecorder(n, model.horizon, model.keep)
    kept = hist["kept"]
    for t in range(week + 1):
        state = SimpleNamespace(**{name: kept[name][t] for name in model.keep})
        model.recorder.record(t, hist["S"][t], hist["active"][t], hist["outcome"][t], state)
    if seed is None:
        model.streams = snap["streams"].value
    else:
        model.streams = {name: seeds.generator(seed, model.chunk, name) for name in model.streams}


def per_replicate_attributes(model: PressureModel) -> set[str]:
    """Every per-replicate attribute of the model and its agents that a snapshot does not carry (should be
    empty: a test checks it, so new state added to the model is carried or the test names it)."""
    n = model.n
    covered = {
        *MODEL_ARRAYS,
        "event_happens",
        "sampled",
        "p",
        "initial",
        "state",
        "const",
        "levers",
        "streams",
        "recorder",
        "flow_defaults",
    }
    missing = {f"model.{k}" for k in _arrays(model, n) if k not in covered}
    for key, agent in model.by_key.items():
        allowed = set(_arrays(agent, n, AGENT_SKIP))
        missing |= {
            f"{key}.{k}"
            for k, v in vars(agent).items()
            if k not in AGENT_SKIP and not k.startswith("_") and k not in allowed and _per_replicate(v, n)
        }
    return missing


# ---------------------------------------------------------------------------------------------------------
# What a chunk of the restarted run starts from (carried by sim.executors.Task, built in the worker)


@dataclass(frozen=True)
class FromRun:
    """One to one: re-simulate chunk ``chunk`` of ``source`` to ``week``, continue it with its streams."""

    source: Scenario
    week: int
    levers: dict[tuple[str, str], float]

    def model(self, scenario: Scenario, chunk: int, n: int, keep: tuple[str, ...]) -> PressureModel:
        from sim.model import PressureModel

        old = PressureModel(self.source, n, chunk, keep=tuple(dict.fromkeys([*keep, *self.source.trajectories])))
        history = advance(old, self.week)
        new = PressureModel(scenario, n, chunk, keep=keep)
        restore(new, snapshot(old, history, streams=True), self.levers, None)
        return new


@dataclass(frozen=True)
class FromSnapshot:
    """Resampled: the chunk's replicates, gathered in the client; fresh streams from ``seed``."""

    snap: dict[str, Any]
    levers: dict[tuple[str, str], float]
    seed: int

    def model(self, scenario: Scenario, chunk: int, n: int, keep: tuple[str, ...]) -> PressureModel:
        from sim.model import PressureModel

        new = PressureModel(scenario, n, chunk, keep=keep)
        restore(new, self.snap, self.levers, self.seed)
        return new


def snapshot_chunks(tasks: list[Any], week: int, keep: tuple[str, ...]) -> list[dict[str, Any]]:
    """Worker side of a resampled restart: re-simulate source chunks to ``week``; their snapshots."""
    from sim.model import PressureModel

    out = []
    for t in tasks:
        model = PressureModel(t.scenario, t.n, t.chunk, keep=tuple(dict.fromkeys([*keep, *t.scenario.trajectories])))
        history = advance(model, week)
        out.append({"chunk": t.chunk, "snap": snapshot(model, history, streams=False)})
    return out


def systematic(weights: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Systematic resampling: ``draws`` indices, sorted, index i drawn about draws × w_i times."""
    u = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,)))).random()
    positions = (u + np.arange(draws)) / draws
    return np.minimum(np.searchsorted(np.cumsum(weights), positions, side="right"), len(weights) - 1)


# ---------------------------------------------------------------------------------------------------------
# The restarted run


def prepare(source: Source, sc: Scenario, date: dt.date, scenario_path: str) -> tuple[Scenario, int]:
    """SCENARIO as the restart runs it (one to one: the run's replicates and chunks) and the restart week."""
    week = week_of(date, source.scenario.start_date)
    check_compatible(source, sc, week, date, scenario_path)
    if source.weights is None:
        a = source.scenario
        sc = sc.model_copy(update={"replicates": a.replicates, "chunk_size": a.chunk_size})
    return sc, week


def run_restart(
    sc: Scenario,
    source: Source,
    date: dt.date,
    *,
    workers: int = 1,
    backend: Any = None,
    **run_kwargs: Any,
) -> tuple[RunResult, dict[str, Any]]:
    """Restart ``source`` at ``date`` under ``sc`` (already ``prepare``d). Returns the run and the record of
    the restart for the manifest."""
    from sim.executors import Task, batched, make_backend, run_batches
    from sim.runner import run
    from sim.scenario import chunk_sizes

    week = week_of(date, source.scenario.start_date)
    levers = changed_levers(source.scenario, sc)
    _check_draws(source)
    record: dict[str, Any] = {"from": source.path, "kind": source.kind, "at": date.isoformat(), "week": week}
    if source.weights is None:
        record["mode"] = "one to one"
        result = run(
            sc, workers=workers, backend=backend, start=lambda c: FromRun(source.scenario, week, levers), **run_kwargs
        )
        _check_past(source, result, week)
        result.restart = record
        return result, record
    # resampled: re-simulate the source's chunks to the week, gather the replicates drawn by weight
    a = source.scenario
    sizes = chunk_sizes(a.replicates, a.chunk_size)
    tasks = [Task(0, c, n, a, False) for c, n in enumerate(sizes)]
    own = backend is None
    backend = backend or make_backend(workers, tasks=len(tasks))
    parts: dict[int, dict[str, Any]] = {}

    def on_result(_batch: list[Any], results: list[dict[str, Any]]) -> None:
        for r in results:
            parts[r["chunk"]] = r["snap"]

    def on_lost(batch: list[Any], reason: str) -> None:
        raise RunError(f"{a.name}: chunk {batch[0].chunk} of the run restarted from not re-simulated: {reason}")

    from functools import partial

    try:
        run_batches(
            backend,
            partial(snapshot_chunks, week=week, keep=tuple(sc.trajectories)),
            batched(tasks, 1),
            on_result=on_result,
            on_lost=on_lost,
            reraise=True,
        )
        whole = concat([parts[c] for c in sorted(parts)])
        _check_snapshot(source, whole)
        seed = restart_seed(sc.seed, date)
        idx = systematic(source.weights, sc.replicates, seed)
        bounds = np.cumsum([0, *chunk_sizes(sc.replicates, sc.chunk_size)])
        chunks = [take(whole, idx[bounds[c] : bounds[c + 1]]) for c in range(len(bounds) - 1)]
        result = run(sc, backend=backend, start=lambda c: FromSnapshot(chunks[c], levers, seed), **run_kwargs)
    finally:
        if own:
            backend.close()
    w = source.weights
    record |= {
        "mode": "resampled",
        "ess": float(1.0 / np.sum(w * w)),
        "distinct": int(len(np.unique(idx))),
        "seed": seed,
    }
    result.restart = record
    return result, record


def _check_draws(source: Source) -> None:
    """The run's parameter draws, rebuilt from its scenario, must be the ones it stored."""
    from sim.sampling import sample_parameters
    from sim.scenario import chunk_sizes

    if source.kind == "calibration":
        return  # checked on the snapshot (particles.csv keeps 9 significant digits)
    a = source.scenario
    offset = 0
    for c, n in enumerate(chunk_sizes(a.replicates, a.chunk_size)):
        drawn = sample_parameters(a, n, c).drawn
        for path, values in drawn.items():
            stored = source.stored.get(path)
            if stored is None or not np.array_equal(stored[offset : offset + n], values):
                _not_reproduced(source, f"the parameter draws ({path})")
        offset += n


def _check_snapshot(source: Source, snap: dict[str, Any]) -> None:
    if source.kind == "calibration":
        for path, values in source.stored.items():
            mine = snap["sampled"].get(path)
            if mine is None or [f"{x:.9g}" for x in mine] != [f"{x:.9g}" for x in values]:
                _not_reproduced(source, f"the particles ({path})")
    else:
        _check_ended(source, snap["model"]["outcome"], snap["model"]["end_week"], snap["week"].value)


def _check_past(source: Source, result: RunResult, week: int) -> None:
    from sim.names import OUTCOMES

    code = {name: i for i, name in enumerate(OUTCOMES)}
    outcome = np.array([code[o] for o in result.outcomes["outcome"].astype(str)], dtype=np.int8)
    _check_ended(source, outcome, result.outcomes["week"].to_numpy(), week)


def _check_ended(source: Source, outcome: np.ndarray, end_week: np.ndarray, week: int) -> None:
    """Replicates that ended by the restart week must end as they did in the stored run."""
    from sim.names import OUTCOMES

    stored_outcome = np.asarray(source.stored["outcome"]).astype(str)
    stored_week = np.asarray(source.stored["week"])
    ended = (stored_outcome != OUTCOMES[0]) & (stored_week <= week)
    mine = np.asarray(OUTCOMES)[outcome]
    mine_ended = (mine != OUTCOMES[0]) & (end_week <= week)
    if not (
        np.array_equal(ended, mine_ended)
        and np.array_equal(stored_outcome[ended], mine[ended])
        and np.array_equal(stored_week[ended], np.asarray(end_week)[ended])
    ):
        _not_reproduced(source, "the outcomes up to the restart")


def _not_reproduced(source: Source, what: str) -> None:
    raise ScenarioError(
        f"re-simulating its run does not reproduce {what}: the results directory was edited or the model has "
        "changed since it was written; run it again",
        source=source.path,
    )
