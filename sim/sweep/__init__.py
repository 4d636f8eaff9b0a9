"""Parameter sweeps: the sweep file, its design, tasks, parts on disk, metrics per point and sensitivity.

A sweep file names a base scenario, a sampler (grid, lhs, sobol, morris or an explicit list of points), the
parameters as dotted paths into the scenario, replicates per point, a seed and the metrics to analyse
(docs/sweeps.md). Each point is the base scenario with its parameters set.

The modules: ``schema`` (the sweep file's fields), ``spec`` (loading and checking a sweep), ``paths`` (dotted
paths into the scenario), ``designs`` (grid, list, lhs, sobol, morris), ``metrics`` (one figure per point),
``run`` (tasks, parts, resume, manifest, ``points.parquet``) and ``analysis`` (SALib sensitivity indices).
"""

from __future__ import annotations

from sim.sweep.analysis import sensitivity
from sim.sweep.metrics import Metric, mean_interval, median_interval, parse_metric
from sim.sweep.run import SweepIncomplete, SweepReport, run_sweep
from sim.sweep.spec import Sweep, load_sweep

__all__ = [
    "Metric",
    "Sweep",
    "SweepIncomplete",
    "SweepReport",
    "load_sweep",
    "mean_interval",
    "median_interval",
    "parse_metric",
    "run_sweep",
    "sensitivity",
]
