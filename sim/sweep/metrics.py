"""The metrics of a sweep, one figure per point with its 95% interval: ``p_<outcome>``,
``p_<outcome>_by_<week>``, ``mean_<variable>`` and ``median_<variable>``, parsed from their names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.errors import ScenarioError
from sim.intervals import wilson
from sim.names import END_COLUMNS, OUTCOMES, SETTLEMENT
from sim.scenario import Scenario
from sim.scenario.messages import did_you_mean

TERMINAL = tuple(o for o in OUTCOMES if o != "ongoing")
DEFAULT_METRICS = (*(f"p_{o}" for o in OUTCOMES), "p_settlement_by_26", "median_settlement_week", "mean_terms")


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


MIN_MEAN_N = 2  # a mean's t interval needs two values
MIN_MEDIAN_N = 6  # below six values no pair of order statistics covers the median with 95% confidence


def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean with Student's t 95% interval, mean +- t(0.975, n - 1) s / sqrt(n) (exact for normal data,
    asymptotically right for any finite variance); NaN bounds ("too few") below ``MIN_MEAN_N`` values."""
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n < MIN_MEAN_N:
        return m, math.nan, math.nan
    from scipy import special  # not scipy.stats: a sweep's own process stays light (tests/test_imports.py)

    half = float(special.stdtrit(n - 1, 0.975)) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def median_ranks(n: int, level: float = 0.95) -> tuple[int, int] | None:
    """The 1-based ranks (l, n + 1 - l) of the exact distribution-free interval for the median: the largest l
    with 2 P(Bin(n, 1/2) <= l - 1) <= 1 - level, so the interval [x_(l), x_(n+1-l)] covers the median of any
    continuous distribution with probability at least ``level`` (Conover 1999, ch. 3.2; Hahn & Meeker 1991).
    None when even [x_(1), x_(n)] falls short (n < 6 at 95%)."""
    from scipy import special  # bdtr is the binomial CDF

    if n < 1 or 2 * 0.5**n > 1 - level:
        return None
    k = np.arange(1, n // 2 + 2)
    ok = 2 * special.bdtr(k - 1, n, 0.5) <= 1 - level + 1e-12
    low = int(k[ok].max())
    return low, n + 1 - low


def median_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Median with the exact order-statistic 95% interval (``median_ranks``); NaN bounds ("too few") below
    ``MIN_MEDIAN_N`` values."""
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    xs = np.sort(x)
    ranks = median_ranks(n)
    if ranks is None:
        return float(np.median(xs)), math.nan, math.nan
    lo, hi = ranks
    return float(np.median(xs)), float(xs[lo - 1]), float(xs[hi - 1])


_P_BY = re.compile(r"p_(\w+?)_by_(\d+)")


def parse_metric(name: str, horizon: int, columns: Sequence[str]) -> Metric:
    """A metric from its name, or ValueError saying what was expected."""

    if name.startswith("p_"):
        m = _P_BY.fullmatch(name)
        if m:
            outcome, week = m.group(1), int(m.group(2))
            if outcome not in TERMINAL:
                raise ValueError(
                    f"metric {name!r}: unknown outcome {outcome!r}"
                    f"{did_you_mean(outcome, TERMINAL)}; expected one of {', '.join(TERMINAL)}"
                )
            if not 1 <= week <= horizon:
                raise ValueError(f"metric {name!r}: expected a week in [1, {horizon}] (the horizon), got {week}")
            return Metric(name, "p_by", outcome=outcome, week=week)
        outcome = name[2:]
        if outcome not in OUTCOMES:
            raise ValueError(
                f"metric {name!r}: unknown outcome {outcome!r}{did_you_mean(outcome, OUTCOMES)}; expected "
                f"p_<outcome> or p_<outcome>_by_<week> with outcome one of {', '.join(OUTCOMES)}"
            )
        return Metric(name, "p", outcome=outcome)
    for kind in ("mean", "median"):
        if name.startswith(kind + "_"):
            var = name[len(kind) + 1 :]
            known = [
                "terms",
                "week",
                *(f"{o}_week" for o in TERMINAL),
                *(c for c in columns if c.startswith(("end.", "cum."))),
            ]
            if var not in known:
                raise ValueError(
                    f"metric {name!r}: unknown variable {var!r}{did_you_mean(var, known)}; expected one of "
                    + ", ".join(known)
                )
            return Metric(name, kind, variable=var)  # type: ignore[arg-type]
    raise ValueError(
        f"unknown metric {name!r}{did_you_mean(name, DEFAULT_METRICS)}; expected p_<outcome>, p_<outcome>_by_<week>, "
        "mean_<variable> or median_<variable>"
    )


def parse_metrics(names: Sequence[str], base: Scenario, src: str) -> tuple[Metric, ...]:
    columns = END_COLUMNS  # the end-state and cumulative columns of every outcome table
    out: list[Metric] = []
    for i, name in enumerate(names):
        if name in [m.name for m in out]:
            raise ScenarioError(f"metric {name!r} is listed twice", source=src, field=f"metrics.{i}")
        try:
            out.append(parse_metric(name, base.horizon_weeks, columns))
        except ValueError as exc:
            raise ScenarioError(str(exc), source=src, field=f"metrics.{i}") from None
    return tuple(out)
