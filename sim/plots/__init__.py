"""Charts: functions that take results tables and return matplotlib Figures.

Every figure is built with the object-oriented API on an Agg canvas (no pyplot, no global state, no display),
uses the Okabe-Ito palette (safe for the common forms of colour blindness), names the scenario in its title,
puts units on every axis and dates on every time axis (the scenario's start date plus weeks), and carries a
caption with the replicates, seed and version. ``write_run_charts`` writes a run's charts into
``<results>/charts/``; ``write_sweep_charts`` does the same for a sweep; ``write_charts`` does whichever the
directory holds.

The modules: ``common`` (palette, run facts, figure scaffolding, saving), ``run`` (the charts of a run),
``paths`` (split fans of variables whose replicates fall into two groups), ``compare`` (overlays of several
runs), ``sweep`` (the charts of a sweep) and ``discovery`` (PRIM, without matplotlib).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.plots.common import (
    FAN_VARIABLES,
    GREY,
    OKABE_ITO,
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    PRIOR_LABEL,
    TERMINAL,
    RunInfo,
    check_format,
    read_manifest,
    save,
)
from sim.plots.compare import compare_fan, compare_incidence, compare_outcomes
from sim.plots.discovery import PrimResult, parse_condition, prim
from sim.plots.paths import Paths, kept_paths, simulated_paths, split_fan_chart
from sim.plots.run import (
    cumulative_incidence,
    fan_chart,
    fan_table,
    incidence_table,
    outcome_probabilities,
    run_figures,
    settlement_terms,
    settlement_timing,
    terms_bins,
    timing_histogram,
    write_run_charts,
)
from sim.plots.sweep import (
    Sweep,
    is_sweep,
    load_sweep,
    sensitivity_bars,
    sweep_1d,
    sweep_figures,
    sweep_heatmap,
    write_sweep_charts,
)
from sim.resultsdir import check_results_dir

__all__ = [
    "FAN_VARIABLES",
    "GREY",
    "OKABE_ITO",
    "OUTCOME_ORDER",
    "OUTCOME_STYLE",
    "PRIOR_LABEL",
    "TERMINAL",
    "Paths",
    "PrimResult",
    "RunInfo",
    "Sweep",
    "check_format",
    "compare_fan",
    "compare_incidence",
    "compare_outcomes",
    "cumulative_incidence",
    "fan_chart",
    "fan_table",
    "incidence_table",
    "is_sweep",
    "kept_paths",
    "load_sweep",
    "outcome_probabilities",
    "parse_condition",
    "prim",
    "read_manifest",
    "run_figures",
    "save",
    "sensitivity_bars",
    "settlement_terms",
    "settlement_timing",
    "simulated_paths",
    "split_fan_chart",
    "sweep_1d",
    "sweep_figures",
    "sweep_heatmap",
    "terms_bins",
    "timing_histogram",
    "write_charts",
    "write_run_charts",
    "write_sweep_charts",
]


def write_charts(results_dir: Path, fmt: str = "png", out: Path | None = None, **options: Any) -> list[Path]:
    """Charts of a run or a sweep results directory, whichever it is."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ScenarioError("not a results directory", source=str(results_dir))
    check_results_dir(results_dir)  # a damaged directory: one line naming the file
    if is_sweep(results_dir):
        return write_sweep_charts(results_dir, fmt, out, **options)
    return write_run_charts(results_dir, fmt, out)
