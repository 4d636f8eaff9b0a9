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

from sim.observe.conditioning import (
    DEFAULT_MIN_ESS,
    DEFAULT_TOLERANCE,
    Conditioning,
    condition,
    write_conditioned,
)
from sim.observe.ensemble import Ensemble, load_ensemble
from sim.observe.observations import (
    EVENTS,
    EventObservation,
    Observations,
    ValueObservation,
    date_to_week,
    read_observations,
)
from sim.observe.scoring import brier_score, crps_sample, log_score, pit, score, write_score
from sim.observe.weighted import effective_sample_size, weighted_quantile

__all__ = [
    "DEFAULT_MIN_ESS", "DEFAULT_TOLERANCE", "EVENTS", "Conditioning", "Ensemble", "EventObservation",
    "Observations", "ValueObservation", "brier_score", "condition", "crps_sample", "date_to_week",
    "effective_sample_size", "load_ensemble", "log_score", "pit", "read_observations", "score",
    "weighted_quantile", "write_conditioned", "write_score",
]
