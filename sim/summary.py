"""The summary of a run (``summary.json``): outcome probabilities with 95% intervals, and the timing and terms of
settlements. One function for ordinary and conditioned runs: with weights, a probability is a weight share and
its Wilson interval takes the effective sample size for n (Kish), quartiles are weighted quantiles.

Mesa-free (numpy, pandas and the model's vocabulary in ``sim.names``): whatever reads or reweights results
summarises them without importing the model.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, NotRequired, TypedDict, cast

import numpy as np
import pandas as pd

from sim.intervals import wilson
from sim.names import OUTCOMES, SETTLEMENT
from sim.observe.weighted import effective_sample_size, weighted_quantile

# Quantile levels of the weekly table (columns q05 ... q95).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# The outcome columns ``summarise`` reads (all a streamed run keeps in memory).
SUMMARY_COLUMNS = ("replicate", "outcome", "week", "terms", "co_triggered", "end.front")
# Settlement shares reported by these weeks (those within the horizon, and the horizon itself).
BY_WEEKS = (26, 52)


class OutcomeShare(TypedDict):
    count: int  # replicates (weighted: the effective count p x ESS, rounded)
    p: float
    lo: float
    hi: float


class Share(TypedDict):
    p: float
    lo: float
    hi: float


class Quartiles(TypedDict):
    q25: float | None
    median: float | None
    q75: float | None
    mean: float | None


class Summary(TypedDict):
    replicates: int
    horizon_weeks: int
    start_date: str
    outcomes: dict[str, OutcomeShare]
    settlement_week: Quartiles
    settlement_date: dict[str, str | None]
    settlement_terms: Quartiles
    settlement_by_week: dict[str, Share]
    co_triggered: int
    end_front_median: float | None
    # a conditioned run only
    ess: NotRequired[float]
    replicates_weighted: NotRequired[int]
    # added by the runner
    scenario: NotRequired[str]
    seed: NotRequired[int]


def as_dict(summary: Summary) -> dict[str, Any]:
    """A summary as the plain mapping results carry (conditioning adds its own sections)."""
    return cast(dict[str, Any], summary)


def summarise(
    outcomes: pd.DataFrame,
    start: dt.date,
    horizon: int,
    weights: np.ndarray | None = None,
    ess: float | None = None,
) -> Summary:
    """Outcome probabilities with 95% Wilson intervals, timing and terms of settlements; with ``weights`` (a
    conditioned run, summing to 1) every share is a weight share and ``n`` is the effective sample size
    (``ess``, Kish's by default); NaN becomes None, as JSON wants it."""
    n = len(outcomes)
    outcome = outcomes["outcome"].astype(str).to_numpy()
    week = outcomes["week"].to_numpy()
    settled = outcome == OUTCOMES[SETTLEMENT]
    if weights is not None and ess is None:
        ess = effective_sample_size(weights)

    def share(mask: np.ndarray) -> tuple[float, float, float, int]:
        """p, its Wilson interval and the count behind it."""
        if weights is None:
            k = int(mask.sum())
            lo, hi = wilson(k, n)
            return k / n, float(lo), float(hi), k
        assert ess is not None  # set above whenever weights are given
        p = float(weights[mask].sum())
        lo, hi = wilson(np.asarray(p * ess), np.asarray(ess))
        return p, float(lo), float(hi), int(round(p * ess))

    def quartiles(column: pd.Series, mask: np.ndarray) -> Quartiles:
        selected = column[mask]  # pandas' own mean, as summary.json has always been computed
        values = selected.to_numpy(dtype=float)
        w = None if weights is None else weights[mask]
        if values.size == 0 or (w is not None and w.sum() <= 0):
            return {"q25": None, "median": None, "q75": None, "mean": None}
        if w is None:
            q = np.quantile(values, [0.25, 0.5, 0.75])
            mean = float(selected.mean())
        else:
            q = weighted_quantile(values, (0.25, 0.5, 0.75), w)
            mean = float(np.average(values, weights=w))
        return {"q25": float(q[0]), "median": float(q[1]), "q75": float(q[2]), "mean": mean}

    probs: dict[str, OutcomeShare] = {}
    for name in OUTCOMES:
        p, lo, hi, count = share(outcome == name)
        probs[name] = {"count": count, "p": p, "lo": lo, "hi": hi}
    settlement_week = quartiles(outcomes["week"], settled)
    by_week: dict[str, Share] = {}
    for w in sorted({*BY_WEEKS, horizon} & set(range(1, horizon + 1))):
        p, lo, hi, _count = share(settled & (week <= w))
        by_week[str(w)] = {"p": p, "lo": lo, "hi": hi}
    co_triggered = outcomes["co_triggered"].to_numpy(dtype=bool)
    front = outcomes["end.front"]
    summary: Summary = {
        "replicates": n,
        "horizon_weeks": horizon,
        "start_date": start.isoformat(),
        "outcomes": probs,
        "settlement_week": settlement_week,
        "settlement_date": {k: _date(start, settlement_week[k]) for k in ("q25", "median", "q75")},
        "settlement_terms": quartiles(outcomes["terms"], settled),
        "settlement_by_week": by_week,
        "co_triggered": int(co_triggered.sum() if weights is None else (co_triggered & (weights > 0)).sum()),
        "end_front_median": float(
            front.median() if weights is None else weighted_quantile(front.to_numpy(dtype=float), 0.5, weights)
        ),
    }
    if weights is not None:
        assert ess is not None
        summary["ess"] = ess
        summary["replicates_weighted"] = int((weights > 0).sum())
    return _clean(summary)  # type: ignore[no-any-return]


def _date(start: dt.date, week: float | None) -> str | None:
    return None if week is None else (start + dt.timedelta(weeks=week)).isoformat()


def _clean(obj: Any) -> Any:
    """NaN to None, at any depth of mappings (summary.json has no NaN)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj
