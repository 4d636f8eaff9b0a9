"""Parameter sweeps: the sweep file, its design, tasks, parts on disk, metrics per point and sensitivity.

A sweep file names a base scenario, a sampler (grid, lhs, sobol, morris or an explicit list of points), the
parameters as dotted paths into the scenario, replicates per point, a seed and the metrics to analyse
(docs/sweeps.md). Each point is the base scenario with its parameters set. A task is one point x one chunk of
replicates; it writes one Parquet part (``parts/``), renamed into place, so a killed sweep loses nothing
finished and ``--resume`` picks up where it stopped. ``points.parquet`` is then aggregated point by point,
reading only the columns the metrics need, so memory does not grow with the number of points.

Determinism: a chunk's rows depend only on (point scenario, seed, chunk) and, with ``--independent``, the point
index (``sim.seeds``); parts are written by one code path with fixed compression and sorted rows, so every
part and ``points.parquet`` are byte-identical for any executor, worker count or resume.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim import executors
from sim.errors import RunError, ScenarioError, SimError
from sim.executors import COMPRESSION, Task, TaskResult, outcome_codes, part_name, run_tasks, write_atomic
from sim.model import OUTCOMES, SETTLEMENT
from sim.outcomes import Z95, wilson
from sim.runner import chunk_sizes
from sim.scenario import (
    Scenario,
    apply_override,
    format_validation_error,
    read_scenario_data,
    read_yaml,
    validate_scenario,
)

SAMPLERS = ("grid", "lhs", "sobol", "morris", "list")
TERMINAL = tuple(o for o in OUTCOMES if o != "ongoing")
DEFAULT_METRICS = (*(f"p_{o}" for o in OUTCOMES), "p_settlement_by_26", "median_settlement_week",
                   "mean_terms")
SOBOL_MIN_SAMPLES = 16
MORRIS_MIN_TRAJECTORIES = 4
PARTS_DIR = "parts"
POINTS_FILE = "points.parquet"
SENSITIVITY_FILE = "sensitivity.json"
FAILURES_FILE = "failures.json"
SUMMARY_FILE = "summary.json"
MANIFEST_FILE = "manifest.json"
SCENARIO_FILE = "scenario.resolved.yaml"
# Keys of the manifest that must match for --resume to reuse parts.
IDENTITY_KEYS = ("sweep_sha256", "overrides", "replicates", "seed", "independent", "base_sha256", "code")


class SweepIncomplete(SimError):
    """Some tasks failed (see failures.json); the results directory holds what finished."""


# ---------------------------------------------------------------------------------------------------------
# The sweep file

Scalar = bool | int | float | str | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One swept parameter. Give ``values`` (a list), or a range ``low``/``high`` (with ``num`` evenly spaced
    values in a grid), or ``from_base: true`` to move through the base scenario's own distribution at this path
    (its inverse CDF). ``scale: log`` spaces a range geometrically; ``integer: true`` rounds (weeks)."""

    values: list[Scalar] | None = Field(None, min_length=1)
    low: float | None = None
    high: float | None = None
    num: int | None = Field(None, ge=2, le=100_000)
    scale: Literal["linear", "log"] = "linear"
    from_base: bool = False
    integer: bool = False


class SweepFile(_Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str = ""
    question: str = ""
    base: str = Field(min_length=1)
    set: dict[str, Any] = Field(default_factory=dict)
    sampler: Literal["grid", "lhs", "sobol", "morris", "list"]
    samples: int | None = Field(None, ge=1, le=10_000_000)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    points: list[dict[str, Scalar]] = Field(default_factory=list)
    replicates: int = Field(ge=1, le=100_000_000)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    chunk_size: int | None = Field(None, ge=1, le=1_000_000)
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS), min_length=1)
    second_order: bool | None = None
    levels: int | None = Field(None, ge=2, le=100)
    resamples: int = Field(1000, ge=10, le=100_000)

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_values(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"values": p} if isinstance(p, list) else p) for k, p in v.items()}
        return v


@dataclass(frozen=True)
class Design:
    """The points of a sweep: parameter paths, each point's values (in path order) and, for lhs, sobol and
    morris, each point's coordinates in the unit cube (what SALib analyses)."""

    names: tuple[str, ...]
    values: list[tuple[Any, ...]]
    unit: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    def point(self, j: int) -> dict[str, Any]:
        return dict(zip(self.names, self.values[j], strict=True))


@dataclass(frozen=True)
class Sweep:
    """A loaded, validated sweep: its file, the base scenario data and object, the design and the metrics."""

    spec: SweepFile
    source: str
    name: str
    base_file: str
    base_data: dict[str, Any]
    base: Scenario
    design: Design
    metrics: tuple[Metric, ...]
    overrides: tuple[str, ...]
    sha256: str

    @property
    def seed(self) -> int:
        return self.base.seed

    @property
    def chunks(self) -> list[int]:
        return chunk_sizes(self.base.replicates, self.base.chunk_size)

    def point_data(self, j: int) -> dict[str, Any]:
        data = self.base_data
        for path, value in self.design.point(j).items():
            data = assign(data, path, value)
        return data

    def scenario(self, j: int) -> Scenario:
        return validate_scenario(self.point_data(j), self.source)


def load_sweep(path: str | Path, overrides: Sequence[str] = (), *, replicates: int | None = None) -> Sweep:
    """Read and check a sweep file: schema, base scenario (with the file's ``set:`` and then ``overrides``,
    the command line's ``--set``), every parameter path, every point and every metric. Any problem is a
    one-line ScenarioError naming the sweep file and the field."""
    path = Path(path)
    src = str(path)
    raw = read_yaml(path)
    for key in raw:  # unknown keys first: a misspelt key would otherwise be reported as a missing one
        if key not in SweepFile.model_fields:
            raise ScenarioError(f"unknown key {key!r}{_hint(str(key), list(SweepFile.model_fields))}; expected one "
                                "of " + ", ".join(SweepFile.model_fields), source=src, field=str(key))
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, SweepFile), source=src) from None
    if replicates is not None:
        spec = spec.model_copy(update={"replicates": replicates})
    _check_spec(spec, src)

    base_file = path.parent / spec.base
    data = read_scenario_data(base_file)
    validate_scenario(data, str(base_file))  # the base file's own problems name the base file
    for key, value in spec.set.items():
        _check_path(data, key, src, f"set.{key}")
        data = assign(data, key, value, merge=True)
    for assignment in overrides:
        data = apply_override(data, assignment, src)
    data = {**data, "replicates": spec.replicates}
    if spec.seed is not None:
        data["seed"] = spec.seed
    if spec.chunk_size is not None:
        data["chunk_size"] = spec.chunk_size
    data.setdefault("name", base_file.stem)
    base = _validate(data, src, "set")

    design = make_design(spec, base, src)
    for name in design.names:
        _check_path(data, name, src, "parameters" if spec.sampler != "list" else "points")
        for value in _probe_values(spec, design, name):
            _validate(assign(data, name, value), src, "parameters" if spec.sampler != "list" else "points")
    sweep = Sweep(spec, src, spec.name or path.stem, str(base_file), data, base, design,
                  parse_metrics(spec.metrics, base, src), tuple(overrides),
                  hashlib.sha256(path.read_bytes()).hexdigest())
    for j in range(len(design)):
        try:
            sweep.scenario(j)
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v}" for k, v in design.point(j).items())
            raise ScenarioError(f"point {j} ({where}): {_bare(exc)}", source=src,
                                field="points" if spec.sampler == "list" else "parameters") from None
    return sweep


def _check_spec(spec: SweepFile, src: str) -> None:
    """What the schema alone cannot say: which fields each sampler needs."""
    s = spec.sampler
    if s == "list":
        if spec.parameters:
            raise ScenarioError("the list sampler takes each point's values from points:, not parameters:",
                                source=src, field="parameters")
        if not spec.points:
            raise ScenarioError("the list sampler needs at least one point", source=src, field="points")
        keys = list(spec.points[0])
        if not keys:
            raise ScenarioError("a point needs at least one parameter", source=src, field="points.0")
        for i, p in enumerate(spec.points):
            if list(p) != keys:
                raise ScenarioError(f"every point must set the same parameters in the same order as the first "
                                    f"({', '.join(keys)}); got {', '.join(p) or 'none'}", source=src,
                                    field=f"points.{i}")
    else:
        if spec.points:
            raise ScenarioError(f"points: is for the list sampler, not {s}", source=src, field="points")
        if not spec.parameters:
            raise ScenarioError("expected at least one parameter", source=src, field="parameters")
    if s in ("lhs", "sobol", "morris") and spec.samples is None:
        what = {"lhs": "points", "sobol": "base samples N (points: N x (parameters + 2))",
                "morris": "trajectories (points: trajectories x (parameters + 1))"}[s]
        raise ScenarioError(f"the {s} sampler needs samples: the number of {what}", source=src, field="samples")
    if s in ("grid", "list") and spec.samples is not None:
        raise ScenarioError(f"samples: is for lhs, sobol and morris; the {s} sampler's points come from "
                            f"{'the values' if s == 'grid' else 'points:'}", source=src, field="samples")
    if s == "sobol":
        n = spec.samples or 0
        if n < SOBOL_MIN_SAMPLES or n & (n - 1):
            raise ScenarioError(f"a Sobol design needs a power of 2 of at least {SOBOL_MIN_SAMPLES} base samples "
                                f"(512 or more for stable indices), got {n}", source=src, field="samples")
    if s == "morris" and (spec.samples or 0) < MORRIS_MIN_TRAJECTORIES:
        raise ScenarioError(f"a Morris design needs at least {MORRIS_MIN_TRAJECTORIES} trajectories, got "
                            f"{spec.samples}", source=src, field="samples")
    if s in ("sobol", "morris") and len(spec.parameters) < 2:
        raise ScenarioError(f"a {s} design needs at least two parameters", source=src, field="parameters")
    if spec.second_order is not None and s != "sobol":
        raise ScenarioError("second_order: is for the sobol sampler", source=src, field="second_order")
    if spec.levels is not None and (s != "morris" or spec.levels % 2):
        raise ScenarioError("levels: is for the morris sampler and must be even", source=src, field="levels")
    for name, param in spec.parameters.items():
        _check_parameter(name, param, s, src)


def _check_parameter(name: str, p: Parameter, sampler: str, src: str) -> None:
    field = f"parameters.{name}"
    given = [k for k in ("values", "low", "from_base") if getattr(p, k) not in (None, False)]
    if p.high is not None and "low" not in given:
        given.append("low")
    if len(given) != 1:
        raise ScenarioError("expected exactly one of values: [...], low:/high:, or from_base: true; got "
                            + (", ".join(given) or "none"), source=src, field=field)
    if p.low is not None or p.high is not None:
        if p.low is None or p.high is None:
            raise ScenarioError("a range needs both low and high", source=src, field=field)
        if not p.low < p.high:
            raise ScenarioError(f"empty range: low ({p.low:g}) must be below high ({p.high:g})", source=src,
                                field=field)
        if p.scale == "log" and p.low <= 0:
            raise ScenarioError(f"a log scale needs low > 0, got {p.low:g}", source=src, field=field)
    if sampler == "grid" and p.values is None and p.num is None:
        raise ScenarioError("a grid needs values: [...] or num: (how many evenly spaced values)", source=src,
                            field=field)
    if sampler != "grid" and p.num is not None:
        raise ScenarioError(f"num: is for the grid sampler; {sampler} draws its own values", source=src,
                            field=f"{field}.num")
    if p.values is not None and p.num is not None:
        raise ScenarioError("num: spaces a range; with values: the values are the grid", source=src,
                            field=f"{field}.num")


def _validate(data: dict[str, Any], src: str, field: str) -> Scenario:
    try:
        return validate_scenario(data, "")
    except ScenarioError as exc:
        raise ScenarioError(_bare(exc), source=src, field=field) from None


def _bare(exc: ScenarioError) -> str:
    """The message of a ScenarioError without its source prefix (its field path stays)."""
    text = str(exc)
    if exc.source and text.startswith(exc.source + ": "):
        text = text[len(exc.source) + 2:]
    return text


# ---------------------------------------------------------------------------------------------------------
# Dotted paths into the raw scenario mapping


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
            raise ScenarioError(f"{path}: no {here} in the base scenario{hint}; it has {have}", source=src,
                                field=field)
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


# ---------------------------------------------------------------------------------------------------------
# Designs


def make_design(spec: SweepFile, base: Scenario, src: str) -> Design:
    """The points of the sweep, in a fixed order (the order of tasks, parts and rows of points.parquet)."""
    s = spec.sampler
    if s == "list":
        names = tuple(spec.points[0])
        return Design(names, [tuple(_plain(p[n]) for n in names) for p in spec.points])
    names = tuple(spec.parameters)
    params = [spec.parameters[n] for n in names]
    dists = [_base_dist(base, n, p, src) for n, p in zip(names, params, strict=True)]
    if s == "grid":
        axes = [_grid_values(p, d) for p, d in zip(params, dists, strict=True)]
        grid = np.stack(np.meshgrid(*[np.arange(len(a)) for a in axes], indexing="ij"), -1).reshape(-1, len(axes))
        return Design(names, [tuple(axes[k][i] for k, i in enumerate(row)) for row in grid])
    seed = base.seed
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if s == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=seed).random(spec.samples or 1)
    elif s == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(problem, spec.samples or 0, calc_second_order=bool(spec.second_order), seed=seed)
    else:
        from SALib.sample import morris

        unit = morris.sample(problem, spec.samples or 0, num_levels=spec.levels or 4, seed=seed)
    values = [tuple(_from_unit(p, d, float(u)) for p, d, u in zip(params, dists, row, strict=True))
              for row in unit]
    return Design(names, values, np.asarray(unit, dtype=float))


def _base_dist(base: Scenario, name: str, p: Parameter, src: str) -> Any:
    if not p.from_base:
        return None
    value = _base_value(base, name)
    if not hasattr(value, "ppf"):
        got = "nothing" if value is None else repr(value)
        raise ScenarioError(f"from_base needs a distribution at this path in the base scenario, found {got}",
                            source=src, field=f"parameters.{name}")
    return value


def _shape(p: Parameter, v: float) -> Any:
    return int(math.floor(v + 0.5)) if p.integer else float(v)


def _grid_values(p: Parameter, dist: Any) -> list[Any]:
    if p.values is not None:
        return [_plain(v) for v in p.values]
    num = p.num or 2
    if dist is not None:  # the midpoints of num equal-probability bins of the base distribution
        return [_shape(p, float(dist.ppf(np.array([(i + 0.5) / num]))[0])) for i in range(num)]
    assert p.low is not None and p.high is not None  # checked by _check_parameter
    points = (np.geomspace(p.low, p.high, num) if p.scale == "log" else np.linspace(p.low, p.high, num))
    return [_shape(p, float(v)) for v in points]


def _from_unit(p: Parameter, dist: Any, u: float) -> Any:
    """Map a coordinate in [0, 1] to the parameter's value: a list by equal slices, a range linearly (or
    geometrically), a base distribution by its inverse CDF (kept off the infinite tails)."""
    if p.values is not None:
        return _plain(p.values[min(int(u * len(p.values)), len(p.values) - 1)])
    if dist is not None:
        return _shape(p, float(dist.ppf(np.array([min(max(u, 1e-9), 1 - 1e-9)]))[0]))
    assert p.low is not None and p.high is not None
    if p.scale == "log":
        return _shape(p, math.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low))))
    return _shape(p, p.low + u * (p.high - p.low))


def _probe_values(spec: SweepFile, design: Design, name: str) -> list[Any]:
    """Values that exercise a parameter's path alone against the base (its extremes and each listed value)."""
    k = design.names.index(name)
    seen = sorted({repr(v): v for v in (row[k] for row in design.values[:10_000])}.items())
    values = [v for _r, v in seen]
    return values if len(values) <= 20 else [values[0], values[-1]]


# ---------------------------------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class Metric:
    """One figure per point: ``p_<outcome>``, ``p_<outcome>_by_<week>``, ``mean_<variable>`` or
    ``median_<variable>``. Variables: ``terms`` (of settlements), ``<outcome>_week`` (the week it happened),
    ``week`` (the last week of every replicate) and any ``end.*`` or ``cum.*`` column of the outcomes."""

    name: str
    kind: Literal["p", "p_by", "mean", "median"]
    outcome: str | None = None
    week: int | None = None
    variable: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The outcome columns this metric reads."""
        var = self.variable
        if var is None or var == "week" or _outcome_week(var):
            return ("outcome", "week")
        return ("outcome", var)

    def compute(self, cols: dict[str, np.ndarray]) -> tuple[float, float, float]:
        """(estimate, 95% low, 95% high) from the columns of one point's replicates (``outcome`` as codes)."""
        code = cols["outcome"]
        n = len(code)
        if n == 0:
            return math.nan, math.nan, math.nan
        if self.kind in ("p", "p_by"):
            hit = code == OUTCOMES.index(self.outcome or "")
            if self.kind == "p_by":
                hit &= cols["week"] <= (self.week or 0)
            k = int(hit.sum())
            lo, hi = wilson(k, n)
            return k / n, float(lo), float(hi)
        x = self._values(cols)
        return mean_interval(x) if self.kind == "mean" else median_interval(x)

    def _values(self, cols: dict[str, np.ndarray]) -> np.ndarray:
        var = self.variable or ""
        code = cols["outcome"]
        if var == "terms":
            x = cols["terms"][code == SETTLEMENT]
        elif _outcome_week(var):
            x = cols["week"][code == OUTCOMES.index(var.removesuffix("_week"))]
        else:
            x = cols[var]
        x = np.asarray(x, dtype=float)
        return x[np.isfinite(x)]


def _outcome_week(variable: str) -> bool:
    """``settlement_week`` and the like: the week of an outcome, over the replicates that reached it."""
    return variable.endswith("_week") and variable.removesuffix("_week") in TERMINAL


def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean with a normal-approximation 95% interval, mean +- 1.96 s / sqrt(n)."""
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def median_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Median with a distribution-free 95% interval from order statistics: ranks n/2 - 1.96 sqrt(n)/2 and
    1 + n/2 + 1.96 sqrt(n)/2 (the normal approximation to the binomial; Conover 1999, ch. 3.2)."""
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    xs = np.sort(x)
    lo = max(int(math.floor(n / 2 - Z95 * math.sqrt(n) / 2)), 1)
    hi = min(int(math.ceil(1 + n / 2 + Z95 * math.sqrt(n) / 2)), n)
    return float(np.median(xs)), float(xs[lo - 1]), float(xs[hi - 1])


_P_BY = re.compile(r"p_(\w+?)_by_(\d+)")


def parse_metric(name: str, horizon: int, columns: Sequence[str]) -> Metric:
    """A metric from its name, or ValueError saying what was expected."""
    import difflib

    if name.startswith("p_"):
        m = _P_BY.fullmatch(name)
        if m:
            outcome, week = m.group(1), int(m.group(2))
            if outcome not in TERMINAL:
                raise ValueError(f"metric {name!r}: unknown outcome {outcome!r}"
                                 f"{_hint(outcome, TERMINAL)}; expected one of {', '.join(TERMINAL)}")
            if not 1 <= week <= horizon:
                raise ValueError(f"metric {name!r}: expected a week in [1, {horizon}] (the horizon), got {week}")
            return Metric(name, "p_by", outcome=outcome, week=week)
        outcome = name[2:]
        if outcome not in OUTCOMES:
            raise ValueError(f"metric {name!r}: unknown outcome {outcome!r}{_hint(outcome, OUTCOMES)}; expected "
                             f"p_<outcome> or p_<outcome>_by_<week> with outcome one of {', '.join(OUTCOMES)}")
        return Metric(name, "p", outcome=outcome)
    for kind in ("mean", "median"):
        if name.startswith(kind + "_"):
            var = name[len(kind) + 1:]
            known = ["terms", "week", *(f"{o}_week" for o in TERMINAL),
                     *(c for c in columns if c.startswith(("end.", "cum.")))]
            if var not in known:
                raise ValueError(f"metric {name!r}: unknown variable {var!r}{_hint(var, known)}; expected one of "
                                 + ", ".join(known))
            return Metric(name, kind, variable=var)  # type: ignore[arg-type]
    close = difflib.get_close_matches(name, list(DEFAULT_METRICS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown metric {name!r}{hint}; expected p_<outcome>, p_<outcome>_by_<week>, "
                     "mean_<variable> or median_<variable>")


def _hint(word: str, options: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_metrics(names: Sequence[str], base: Scenario, src: str) -> tuple[Metric, ...]:
    from sim.model import PressureModel
    from sim.outcomes import outcome_table

    # The outcome columns a run of this scenario produces (one replicate at week 0 is enough).
    columns = outcome_table(PressureModel(base, 1), 0).column_names
    out: list[Metric] = []
    for i, name in enumerate(names):
        if name in [m.name for m in out]:
            raise ScenarioError(f"metric {name!r} is listed twice", source=src, field=f"metrics.{i}")
        try:
            out.append(parse_metric(name, base.horizon_weeks, columns))
        except ValueError as exc:
            raise ScenarioError(str(exc), source=src, field=f"metrics.{i}") from None
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# Running a sweep


@dataclass
class SweepReport:
    out: Path
    points: int
    tasks: int
    resumed: int = 0
    done: int = 0
    failures: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    compute_seconds: float = 0.0
    restarts: int = 0
    executor: str = ""
    sensitivity: dict[str, Any] | None = None
    points_table: pa.Table | None = None

    @property
    def complete(self) -> bool:
        return not self.failures


def identity(sweep: Sweep, independent: bool) -> dict[str, Any]:
    """What must match for --resume to reuse parts: the sweep file, the resolved base scenario, the command
    line overrides, replicates, seed, common random numbers or not, and the code version."""
    from importlib import metadata

    try:
        version = metadata.version("leverage-sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"sweep_sha256": sweep.sha256, "base_sha256": sweep.base.digest(), "overrides": list(sweep.overrides),
            "replicates": sweep.base.replicates, "seed": sweep.seed, "independent": independent,
            "code": {"version": version, "source_sha256": source_digest()}}


def source_digest() -> str:
    """SHA-256 of the sim package's source. A git commit alone would miss uncommitted edits ("-dirty" before
    and after), and parts from two versions of the model must never be mixed in one sweep."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in sorted(root.rglob("*.py")):
        digest.update(file.relative_to(root).as_posix().encode("utf-8") + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def prepare_out(out: Path, ident: dict[str, Any], *, resume: bool, force: bool) -> bool:
    """Create (or, with --resume, check and keep) the results directory; True when resuming parts."""
    if resume and force:
        raise RunError("--resume keeps the parts of an earlier run and --force discards them; pass one")
    if out.exists() and not out.is_dir():
        raise RunError(f"{out}: exists and is not a directory")
    if out.exists() and resume:
        manifest = out / MANIFEST_FILE
        if not manifest.exists():
            raise RunError(f"{out}: cannot resume: no {MANIFEST_FILE} (not a sweep results directory)")
        old = json.loads(manifest.read_text(encoding="utf-8"))
        for key in IDENTITY_KEYS:
            if old.get(key) != ident[key]:
                raise RunError(f"{out}: cannot resume: {_mismatch(key)} since its parts were written "
                               f"({key}: {_short(old.get(key))} then, {_short(ident[key])} now); pass --force "
                               "instead of --resume to start over")
        parts = out / PARTS_DIR
        parts.mkdir(exist_ok=True)
        for stale in parts.glob(".*.tmp-*"):  # half-written by a killed run
            stale.unlink()
        return True
    if out.exists():
        if not force:
            raise RunError(f"{out}: results directory exists; pass --resume to continue it or --force to "
                           "replace it")
        if any(out.iterdir()) and not (out / MANIFEST_FILE).exists():
            raise RunError(f"{out}: refusing to replace a directory that is not a results directory (no "
                           f"{MANIFEST_FILE})")
        trash = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, trash)
        shutil.rmtree(trash)
    (out / PARTS_DIR).mkdir(parents=True)
    return False


def _mismatch(key: str) -> str:
    return {"sweep_sha256": "the sweep file changed", "base_sha256": "the base scenario changed",
            "overrides": "the --set overrides differ", "replicates": "the replicates differ",
            "seed": "the seed differs", "independent": "--independent differs",
            "code": "the code (sim package source) changed"}[key]


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def run_sweep(sweep: Sweep, out: str | Path, *, backend: Any = None, resume: bool = False, force: bool = False,
              independent: bool = False, command: str | None = None,
              on_start: Callable[[int, int], None] | None = None, on_task: Callable[[bool], None] | None = None,
              on_event: Callable[[str], None] | None = None) -> SweepReport:
    """Run every task not already on disk, then aggregate points.parquet (and sensitivity.json for Sobol and
    Morris designs). ``backend`` is a ``sim.executors`` backend (default: in process). ``on_start(tasks,
    resumed)`` is called once the finished parts are counted and ``on_task(ok)`` as each task finishes.
    Returns a report; ``report.failures`` lists the tasks that failed."""
    started = time.perf_counter()
    out = Path(out)
    backend = backend or executors.InProcess()
    ident = identity(sweep, independent)
    resuming = prepare_out(out, ident, resume=resume, force=force)
    parts = out / PARTS_DIR
    manifest = _manifest(sweep, ident, backend, command, status="running")
    write_atomic(out / MANIFEST_FILE, _json(manifest))
    write_atomic(out / SCENARIO_FILE,
                 yaml.safe_dump(sweep.base.resolved_dict(), sort_keys=False).encode("utf-8"))

    sizes = sweep.chunks
    n_points = len(sweep.design)
    existing = {p.name for p in parts.glob("point-*.parquet")} if resuming else set()
    report = SweepReport(out, n_points, n_points * len(sizes), executor=backend.description)
    report.resumed = sum(part_name(j, c) in existing for j in range(n_points) for c in range(len(sizes)))
    if on_start is not None:
        on_start(report.tasks, report.resumed)

    def pending() -> Iterator[Task]:
        for j in range(n_points):
            todo = [c for c in range(len(sizes)) if part_name(j, c) not in existing]
            if todo:
                scenario = sweep.scenario(j)
                for c in todo:
                    yield Task(j, c, sizes[c], scenario, independent)

    def on_result(_batch: list[Task], results: list[TaskResult]) -> None:
        for r in results:
            report.compute_seconds += r.seconds
            if r.part is not None:
                write_atomic(parts / part_name(r.point, r.chunk), r.part)
                report.done += 1
            else:
                report.failures.append(_failure(sweep, r.point, r.chunk, r.error or "unknown error"))
            if on_task is not None:
                on_task(r.part is not None)

    def on_lost(batch: list[Task], reason: str) -> None:
        for t in batch:
            report.failures.append(_failure(sweep, t.point, t.chunk, f"task lost: {reason}"))
            if on_task is not None:
                on_task(False)

    todo = report.tasks - report.resumed
    if isinstance(backend, executors.InProcess):
        size = 1
    else:
        size = executors.batch_size(todo, backend.slots(),
                                    executors.task_seconds(min(sizes[0], sweep.base.replicates),
                                                           sweep.base.horizon_weeks))
    stats = executors.run_batches(backend, run_tasks, executors.batched(pending(), size), on_result=on_result,
                                  on_lost=on_lost, on_event=on_event)
    report.restarts = stats.restarts

    report.failures.sort(key=lambda f: (f["point"], f["chunk"]))
    table = aggregate(sweep, out)
    write_atomic(out / POINTS_FILE, _parquet(table))
    report.points_table = table
    sens_file = out / SENSITIVITY_FILE
    if sweep.spec.sampler in ("sobol", "morris") and report.complete:
        report.sensitivity = sensitivity(sweep, table)
        write_atomic(sens_file, _json(report.sensitivity))
    elif sens_file.exists():
        sens_file.unlink()
    write_atomic(out / FAILURES_FILE, _json(report.failures))
    write_atomic(out / SUMMARY_FILE, _json(summary(sweep, table, report)))
    report.seconds = time.perf_counter() - started
    manifest.update(status="complete" if report.complete else "incomplete", finished=_now(),
                    tasks={"total": report.tasks, "resumed": report.resumed, "done": report.done,
                           "failed": len(report.failures)},
                    restarts=report.restarts, batch_size=size,
                    timings={"wall_seconds": round(report.seconds, 3),
                             "compute_seconds": round(report.compute_seconds, 3)})
    write_atomic(out / MANIFEST_FILE, _json(manifest))
    return report


def _failure(sweep: Sweep, point: int, chunk: int, error: str) -> dict[str, Any]:
    return {"point": point, "chunk": chunk, "parameters": sweep.design.point(point), "error": error}


def _manifest(sweep: Sweep, ident: dict[str, Any], backend: Any, command: str | None, status: str
              ) -> dict[str, Any]:
    from importlib import metadata

    from sim.results import git_commit, versions

    extra = {}
    for pkg in ("SALib", "dask", "distributed"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            extra[pkg] = metadata.version(pkg)
    spec = sweep.spec
    return {
        "kind": "sweep", "sweep": sweep.name, "status": status, "sweep_file": sweep.source,
        "base_file": sweep.base_file, "sampler": spec.sampler, "samples": spec.samples,
        "parameters": list(sweep.design.names), "metrics": [m.name for m in sweep.metrics],
        "points": len(sweep.design), "chunk_size": sweep.base.chunk_size,
        "horizon_weeks": sweep.base.horizon_weeks, **ident, "git_commit": git_commit(),
        "executor": getattr(backend, "description", str(backend)), "command": command or " ".join(sys.argv),
        "versions": {**versions(), **extra}, "created": _now(),
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _json(obj: Any) -> bytes:
    return (json.dumps(_clean(obj), indent=2, default=str) + "\n").encode("utf-8")


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=COMPRESSION)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Aggregation, sensitivity, summary


def aggregate(sweep: Sweep, out: Path) -> pa.Table:
    """points.parquet: a row per point with its parameters, its replicates and every metric with its 95%
    interval. Parts are read point by point and only the columns the metrics need."""
    parts = out / PARTS_DIR
    columns = sorted({c for m in sweep.metrics for c in m.columns})
    n_chunks = len(sweep.chunks)
    replicates = np.zeros(len(sweep.design), dtype=np.int64)
    results = {m.name: np.full((len(sweep.design), 3), np.nan) for m in sweep.metrics}
    for j in range(len(sweep.design)):
        tables = [pq.read_table(f, columns=columns) for c in range(n_chunks)
                  if (f := parts / part_name(j, c)).exists()]
        if not tables:
            continue
        cols: dict[str, np.ndarray] = {}
        for c in columns:
            if c == "outcome":
                cols[c] = np.concatenate([outcome_codes(t.column(c)) for t in tables])
            else:
                cols[c] = np.concatenate([t.column(c).to_numpy() for t in tables])
        replicates[j] = len(cols["outcome"])
        for m in sweep.metrics:
            results[m.name][j] = m.compute(cols)
    table: dict[str, Any] = {"point": pa.array(np.arange(len(sweep.design), dtype=np.int64))}
    for k, name in enumerate(sweep.design.names):
        table[name] = _column([row[k] for row in sweep.design.values])
    table["replicates"] = pa.array(replicates)
    for m in sweep.metrics:
        for i, suffix in enumerate(("", "_lo", "_hi")):
            table[m.name + suffix] = pa.array(results[m.name][:, i])
    return pa.table(table)


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def sensitivity(sweep: Sweep, points: pa.Table) -> dict[str, Any]:
    """Sobol first-order and total indices (Saltelli 2010 estimators, bootstrap 95% intervals) or Morris mu*,
    mu and sigma (Campolongo et al. 2007), per metric, computed by SALib on the design's unit coordinates.
    ``*_conf`` values are half-widths of the 95% intervals."""
    spec = sweep.spec
    names = list(sweep.design.names)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = sweep.design.unit
    assert unit is not None  # sobol and morris designs carry their unit coordinates
    # SALib's Sobol bootstrap falls back to the global numpy generator when seed is 0: keep it non-zero.
    seed = sweep.seed % (2**31 - 1) + 1
    out: dict[str, Any] = {
        "method": spec.sampler, "parameters": names, "samples": spec.samples, "points": len(sweep.design),
        "conf_level": 0.95, "resamples": spec.resamples, "seed": seed, "indices": {}, "skipped": {},
    }
    if spec.sampler == "sobol":
        out["second_order"] = bool(spec.second_order)
    else:
        out["levels"] = spec.levels or 4
    for m in sweep.metrics:
        y = points.column(m.name).to_numpy(zero_copy_only=False).astype(float)
        bad = int((~np.isfinite(y)).sum())
        if bad:
            out["skipped"][m.name] = f"undefined at {bad} of {len(y)} points (no replicate to measure)"
            continue
        if float(np.ptp(y)) == 0.0:
            out["skipped"][m.name] = "constant across the design"
            continue
        if spec.sampler == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=bool(spec.second_order),
                                num_resamples=spec.resamples, conf_level=0.95, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, unit, y, num_resamples=spec.resamples, conf_level=0.95,
                                 num_levels=spec.levels or 4, seed=seed)
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        block: dict[str, Any] = {k: {n: float(v) for n, v in zip(names, np.asarray(res[k], dtype=float), strict=True)}
                                 for k in keys}
        if spec.sampler == "sobol" and spec.second_order:
            for k in ("S2", "S2_conf"):
                s2 = np.asarray(res[k], dtype=float)
                block[k] = {a: {b: float(s2[i, j]) for j, b in enumerate(names) if j > i}
                            for i, a in enumerate(names)}
        out["indices"][m.name] = block
    return out


def summary(sweep: Sweep, points: pa.Table, report: SweepReport) -> dict[str, Any]:
    """Counts, and each metric's range across the points with the points where it is lowest and highest."""
    metrics: dict[str, dict[str, Any]] = {}
    for m in sweep.metrics:
        y = points.column(m.name).to_numpy(zero_copy_only=False).astype(float)
        if not np.isfinite(y).any():
            metrics[m.name] = {"min": None, "max": None}
            continue
        lo, hi = int(np.nanargmin(y)), int(np.nanargmax(y))
        metrics[m.name] = {"min": float(y[lo]), "max": float(y[hi]), "mean": float(np.nanmean(y)),
                           "at_min": {"point": lo, **sweep.design.point(lo)},
                           "at_max": {"point": hi, **sweep.design.point(hi)}}
    return {"sweep": sweep.name, "sampler": sweep.spec.sampler, "points": len(sweep.design),
            "replicates_per_point": sweep.base.replicates, "tasks": report.tasks,
            "failed": len(report.failures), "complete": report.complete, "metrics": metrics}
