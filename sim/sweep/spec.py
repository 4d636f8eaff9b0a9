"""A loaded, validated sweep: the sweep file read and checked (schema, the fields each sampler needs, the base
scenario with ``set:`` and ``--set``, every parameter path, every point and every metric), with one-line
errors that name the sweep file and the field.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario import (
    Scenario,
    apply_override,
    chunk_sizes,
    format_validation_error,
    read_scenario_data,
    read_yaml,
    validate_scenario,
)
from sim.scenario.messages import did_you_mean
from sim.scenario.yamlio import check_reference, reference_roots
from sim.sweep.designs import Design, _probe_values, make_design
from sim.sweep.metrics import Metric, parse_metrics
from sim.sweep.paths import _check_path, assign
from sim.sweep.schema import Parameter, SweepFile

SOBOL_MIN_SAMPLES = 16
# Points whose validated scenario the loaded sweep keeps (load_sweep validates every point; run_sweep needs each
# again): bounded, so that a design of 100,000 points does not hold 100,000 scenarios.
SCENARIO_CACHE_POINTS = 2_000
MORRIS_MIN_TRAJECTORIES = 4


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
    # points validated by load_sweep, kept for run_sweep (up to SCENARIO_CACHE_POINTS: ~25 KB each)
    validated: dict[int, Scenario] = dataclasses.field(default_factory=dict, compare=False, repr=False)

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
        cached = self.validated.get(j)
        if cached is not None:
            return cached
        scenario = validate_scenario(self.point_data(j), self.source)
        if len(self.validated) < SCENARIO_CACHE_POINTS:
            self.validated[j] = scenario
        return scenario


def load_sweep(
    path: str | Path, overrides: Sequence[str] = (), *, replicates: int | None = None, max_points: int | None = None
) -> Sweep:
    """Read and check a sweep file: schema, base scenario (with the file's ``set:`` and then ``overrides``,
    the command line's ``--set``), every parameter path, every point and every metric. Any problem is a
    one-line ScenarioError naming the sweep file and the field."""
    path = Path(path)
    src = str(path)
    raw = read_yaml(path)
    for key in raw:  # unknown keys first: a misspelt key would otherwise be reported as a missing one
        if key not in SweepFile.model_fields:
            raise ScenarioError(
                f"unknown key {key!r}{did_you_mean(str(key), SweepFile.model_fields)}; expected one "
                "of " + ", ".join(SweepFile.model_fields),
                source=src,
                field=str(key),
            )
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, SweepFile), source=src) from None
    if replicates is not None:  # the file as written is valid; now the command line's value
        try:
            spec = SweepFile.model_validate({**raw, "replicates": replicates})
        except ValidationError as exc:
            raise ScenarioError(
                format_validation_error(exc, SweepFile), source=f"{src} (with --replicates {replicates})"
            ) from None
    _check_spec(spec, src)

    roots = reference_roots(path)  # base: stays inside the sweep file's directory or the working directory
    base_file = check_reference(path, spec.base, roots, "base")
    data = read_scenario_data(base_file, roots)
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

    design = make_design(spec, base, src, max_points)  # refuses an oversized design before allocating it
    for name in design.names:
        _check_path(data, name, src, "parameters" if spec.sampler != "list" else "points")
        for value in _probe_values(spec, design, name):
            _validate(assign(data, name, value), src, "parameters" if spec.sampler != "list" else "points")
    sweep = Sweep(
        spec,
        src,
        spec.name or path.stem,
        str(base_file),
        data,
        base,
        design,
        parse_metrics(spec.metrics, base, src),
        tuple(overrides),
        hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    for j in range(len(design)):
        try:
            sweep.scenario(j)
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v}" for k, v in design.point(j).items())
            raise ScenarioError(
                f"point {j} ({where}): {_bare(exc)}",
                source=src,
                field="points" if spec.sampler == "list" else "parameters",
            ) from None
    return sweep


def _check_spec(spec: SweepFile, src: str) -> None:
    """What the schema alone cannot say: which fields each sampler needs."""
    s = spec.sampler
    if s == "list":
        if spec.parameters:
            raise ScenarioError(
                "the list sampler takes each point's values from points:, not parameters:",
                source=src,
                field="parameters",
            )
        if not spec.points:
            raise ScenarioError("the list sampler needs at least one point", source=src, field="points")
        keys = list(spec.points[0])
        if not keys:
            raise ScenarioError("a point needs at least one parameter", source=src, field="points.0")
        for i, p in enumerate(spec.points):
            if list(p) != keys:
                raise ScenarioError(
                    f"every point must set the same parameters in the same order as the first "
                    f"({', '.join(keys)}); got {', '.join(p) or 'none'}",
                    source=src,
                    field=f"points.{i}",
                )
    else:
        if spec.points:
            raise ScenarioError(f"points: is for the list sampler, not {s}", source=src, field="points")
        if not spec.parameters:
            raise ScenarioError("expected at least one parameter", source=src, field="parameters")
    if s in ("lhs", "sobol", "morris") and spec.samples is None:
        what = {
            "lhs": "points",
            "sobol": "base samples N (points: N x (parameters + 2))",
            "morris": "trajectories (points: trajectories x (parameters + 1))",
        }[s]
        raise ScenarioError(f"the {s} sampler needs samples: the number of {what}", source=src, field="samples")
    if s in ("grid", "list") and spec.samples is not None:
        raise ScenarioError(
            f"samples: is for lhs, sobol and morris; the {s} sampler's points come from "
            f"{'the values' if s == 'grid' else 'points:'}",
            source=src,
            field="samples",
        )
    if s == "sobol":
        n = spec.samples or 0
        if n < SOBOL_MIN_SAMPLES or n & (n - 1):
            raise ScenarioError(
                f"a Sobol design needs a power of 2 of at least {SOBOL_MIN_SAMPLES} base samples "
                f"(512 or more for stable indices), got {n}",
                source=src,
                field="samples",
            )
    if s == "morris" and (spec.samples or 0) < MORRIS_MIN_TRAJECTORIES:
        raise ScenarioError(
            f"a Morris design needs at least {MORRIS_MIN_TRAJECTORIES} trajectories, got {spec.samples}",
            source=src,
            field="samples",
        )
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
        raise ScenarioError(
            "expected exactly one of values: [...], low:/high:, or from_base: true; got "
            + (", ".join(given) or "none"),
            source=src,
            field=field,
        )
    if p.low is not None or p.high is not None:
        if p.low is None or p.high is None:
            raise ScenarioError("a range needs both low and high", source=src, field=field)
        if not p.low < p.high:
            raise ScenarioError(
                f"empty range: low ({p.low:g}) must be below high ({p.high:g})", source=src, field=field
            )
        if p.scale == "log" and p.low <= 0:
            raise ScenarioError(f"a log scale needs low > 0, got {p.low:g}", source=src, field=field)
    if sampler == "grid" and p.values is None and p.num is None:
        raise ScenarioError(
            "a grid needs values: [...] or num: (how many evenly spaced values)", source=src, field=field
        )
    if sampler != "grid" and p.num is not None:
        raise ScenarioError(
            f"num: is for the grid sampler; {sampler} draws its own values", source=src, field=f"{field}.num"
        )
    if p.values is not None and p.num is not None:
        raise ScenarioError(
            "num: spaces a range; with values: the values are the grid", source=src, field=f"{field}.num"
        )


def _validate(data: dict[str, Any], src: str, field: str) -> Scenario:
    try:
        return validate_scenario(data, "")
    except ScenarioError as exc:
        raise ScenarioError(_bare(exc), source=src, field=field) from None


def _bare(exc: ScenarioError) -> str:
    """The message of a ScenarioError without its source prefix (its field path stays)."""
    text = str(exc)
    if exc.source and text.startswith(exc.source + ": "):
        text = text[len(exc.source) + 2 :]
    return text
