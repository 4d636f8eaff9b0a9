"""The points of a sweep: a grid, an explicit list, a Latin hypercube (scipy), or a Sobol or Morris design
(SALib), each coordinate mapped to a parameter value (a list, a linear or log range, or the inverse CDF of the
base scenario's own distribution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.sweep.paths import _base_value, _plain
from sim.sweep.schema import Parameter, SweepFile


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


# The most points a sweep may have unless --max-points says otherwise. Every point's scenario is validated
# before the first task runs (about a millisecond each) and every point is at least one task: 100,000 points
# take minutes to check and hours to run at 1,000 replicates, so more is more likely a slip than a plan.
MAX_POINTS = 100_000


def design_size(spec: SweepFile) -> int:
    """The number of points the design will have, computed from the spec alone (exact integers, nothing
    allocated): a grid's product of axis lengths, lhs's samples, Sobol's N(D+2) or N(2D+2), Morris's N(D+1)."""
    s = spec.sampler
    if s == "list":
        return len(spec.points)
    d = len(spec.parameters)
    n = spec.samples or 0
    if s == "grid":
        return math.prod(len(p.values) if p.values is not None else (p.num or 2) for p in spec.parameters.values())
    if s == "lhs":
        return n
    if s == "sobol":
        return n * (2 * d + 2 if spec.second_order else d + 2)
    return n * (d + 1)


def check_size(spec: SweepFile, src: str, max_points: int | None = None) -> int:
    """Refuse, before anything is allocated, a design of more than ``max_points`` (default MAX_POINTS)."""
    limit = MAX_POINTS if max_points is None else max_points
    size = design_size(spec)
    if size > limit:
        shown = f"{size:,}" if size < 10**15 else f"{size:.3g}"
        raise ScenarioError(
            f"the {spec.sampler} design has {shown} points, over the limit of {limit:,} (each point is at least "
            "one task); reduce it, or raise the limit with --max-points",
            source=src,
            field="samples" if spec.sampler in ("lhs", "sobol", "morris") else "parameters",
        )
    return size


# Scenario fields a sweep may not vary point by point: they fix the tasks (replicates, chunk_size), the random
# numbers that make points comparable (seed), or what a part holds (trajectories, name). Set them for the whole
# sweep with the sweep file's own keys or set:.
RUN_SETTINGS = ("replicates", "chunk_size", "seed", "trajectories", "name")


def check_names(spec: SweepFile, src: str) -> None:
    """Refuse a swept path that is a run setting, or a path named twice (itself, or inside another swept path,
    which would set the same value two ways)."""
    field = "points" if spec.sampler == "list" else "parameters"
    names = [str(n) for p in spec.points for n in p] if spec.sampler == "list" else list(spec.parameters)
    for name in dict.fromkeys(names):
        head = name.split(".", 1)[0]
        if head in RUN_SETTINGS:
            raise ScenarioError(
                f"{head} is a run setting, the same at every point; set it with the sweep file's {head}: or set:",
                source=src,
                field=f"{field}.{name}",
            )
        for other in dict.fromkeys(names):
            if other != name and other.startswith(name + "."):
                raise ScenarioError(
                    f"{name} is swept and so is {other} inside it: name each parameter once",
                    source=src,
                    field=f"{field}.{other}",
                )


def make_design(spec: SweepFile, base: Scenario, src: str, max_points: int | None = None) -> Design:
    """The points of the sweep, in a fixed order (the order of tasks, parts and rows of points.parquet)."""
    check_names(spec, src)
    check_size(spec, src, max_points)
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
    values = [tuple(_from_unit(p, d, float(u)) for p, d, u in zip(params, dists, row, strict=True)) for row in unit]
    return Design(names, values, np.asarray(unit, dtype=float))


def _base_dist(base: Scenario, name: str, p: Parameter, src: str) -> Any:
    if not p.from_base:
        return None
    value = _base_value(base, name)
    if not hasattr(value, "ppf"):
        got = "nothing" if value is None else repr(value)
        raise ScenarioError(
            f"from_base needs a distribution at this path in the base scenario, found {got}",
            source=src,
            field=f"parameters.{name}",
        )
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
    points = np.geomspace(p.low, p.high, num) if p.scale == "log" else np.linspace(p.low, p.high, num)
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
