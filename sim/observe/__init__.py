"""Holding a run against what happened: observations files, scoring rules, and conditioning by reweighting.

An observations file (docs/observations.md) states values of state variables (``india_share`` on a date, with
an optional measurement ``sd``) and facts (``settlement`` by a date: false). ``score`` asks where each one fell
in the run's distribution; ``condition`` reweights the replicates by how well each one matches them
(approximate Bayesian computation with a kernel per observation) and ``write_conditioned`` writes the result
as an ordinary results directory with a ``weight`` column.

Dates map to weeks through the scenario's start date: a date falls in week ``floor(days since start / 7)``,
the last simulated week that had ended by then.

The modules: ``observations`` (the file, ``EVENTS``), ``ensemble`` (a results directory and the observations
evaluated in it), ``weighted`` (weighted quantiles, effective sample size), ``scoring`` (CRPS, PIT, Brier, log
score), ``conditioning`` (the weights and the conditioned directory) and ``plots`` (their charts; imported
only when a chart is drawn).
"""

from __future__ import annotations

from typing import Any

# Each name from its module, imported on first use: the command line registers ``sim score`` and ``sim
# condition`` without loading pandas, pyarrow and the model for every other command.
_MODULES = {
    "conditioning": ("Conditioning", "condition", "write_conditioned"),
    "defaults": ("DEFAULT_MIN_ESS", "DEFAULT_TOLERANCE"),
    "ensemble": ("Ensemble", "load_ensemble"),
    "observations": (
        "EVENTS",
        "EventObservation",
        "Observations",
        "ValueObservation",
        "date_to_week",
        "read_observations",
    ),
    "scoring": ("brier_score", "crps_sample", "log_score", "pit", "score", "write_score"),
    "weighted": ("effective_sample_size", "weighted_quantile"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "DEFAULT_MIN_ESS",
    "DEFAULT_TOLERANCE",
    "EVENTS",
    "Conditioning",
    "Ensemble",
    "EventObservation",
    "Observations",
    "ValueObservation",
    "brier_score",
    "condition",
    "crps_sample",
    "date_to_week",
    "effective_sample_size",
    "load_ensemble",
    "log_score",
    "pit",
    "read_observations",
    "score",
    "weighted_quantile",
    "write_conditioned",
    "write_score",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"sim.observe.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim.observe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
