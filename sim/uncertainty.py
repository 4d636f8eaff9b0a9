"""Model uncertainty beside the Monte Carlo interval: how much each outcome's probability depends on the
parameters the run sampled, from the run's own per-replicate draws (no extra simulation).

Every replicate of a run draws its uncertain parameters (the ``params.*`` and ``initial.*`` columns of
outcomes.parquet). For an outcome with indicator x (1 if the replicate ended so) and probability p:

- **First-order share** of each sampled parameter θ, ``S1 = Var(E[x | θ]) / Var(x)``, estimated by cutting θ
  into ``bins`` equal-count bins (each distinct value of a parameter with fewer values) and taking the weighted
  variance of the bins' shares, less what Monte Carlo noise alone would give, ``Var(x) (B - 1) / N``, floored
  at 0. This is the binned ("given data") estimator of the Sobol first-order index (Plischke, Borgonovo and
  Smith 2013, *European Journal of Operational Research* 226:536). It needs no design: the parameters are
  drawn independently of each other, replicate by replicate.
- **The range across the parameters**: the replicates are cut on the two parameters with the largest S1 (a
  ``grid`` x ``grid`` table of equal-count bins, one dimension when only one parameter matters) and the 10th
  and 90th percentiles of the cells' probabilities, each cell weighted by its replicates, are reported: "if
  the two coefficients that decide it were known, the probability would lie between p10 and p90 in 80% of
  the worlds the run allows". The other parameters are averaged over, so the true spread is at least this;
  the cells' own Monte Carlo noise (about sqrt(p(1 - p) / (N / grid²))) widens it a little.
- **Drivers**: the two or three parameters with the largest S1, with their unit and source (sim.params), if
  their S1 is at least 0.005 and beyond noise (``1.5 (B - 1) / N``, past the 99th percentile of the binned
  estimate when the parameter has no effect).

A conditioned run's weights are used throughout (shares are weight shares, N is the effective sample size).
Runs of more than ``MAX_ROWS`` replicates are estimated on a fixed subsample of that many.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.names import OUTCOMES

MAX_ROWS = 100_000
BINS = 10
GRID = 5
MIN_REPLICATES = 200  # fewer and the bins' shares are mostly noise: no estimate
# A parameter is named as a driver when its first-order share is at least this and beyond what noise gives: the
# binned between-bin variance is chi-squared with B - 1 degrees of freedom under no effect, and 2.5 times its
# mean is past its 99th percentile for B = 10 (21.7 / 9 = 2.4), so S1 > 1.5 (B - 1) / N.
DRIVER_SHARE = 0.005
METHOD = (
    "first-order variance shares of the sampled parameters (binned given-data Sobol estimator, "
    f"{BINS} equal-count bins, noise-corrected); range: 10th-90th percentile of the probability across "
    f"a {GRID}x{GRID} table of bins of the two leading parameters"
)


@dataclass(frozen=True)
class Driver:
    parameter: str
    share: float
    unit: str
    source: str
    doc: str

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "share": self.share, "unit": self.unit, "source": self.source}


def sampled_columns(outcomes: pd.DataFrame) -> list[str]:
    """The per-replicate parameter draws in an outcome table: numeric ``params.*``/``initial.*`` columns that
    vary."""
    cols = []
    for c in outcomes.columns:
        if not (c.startswith("params.") or c.startswith("initial.")):
            continue
        v = outcomes[c]
        if pd.api.types.is_numeric_dtype(v) and v.nunique(dropna=True) > 1:
            cols.append(c)
    return cols


def declarations() -> dict[str, tuple[str, str, str]]:
    """Every parameter's (unit, source, description) by dotted path, from sim.params."""
    from sim.params import Initial, Params, iter_params

    rows = iter_params(Params(), "params") + iter_params(Initial(), "initial")
    return {p: (str(e.get("unit", "")), str(e.get("source", "")), d) for p, _v, e, d in rows}


def bin_codes(values: np.ndarray, *bins: int) -> list[np.ndarray]:
    """For each of ``bins``: the equal-count bin of each value (0..b-1), or the index of the distinct value
    when there are at most b of them."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size, dtype=np.int64)
    ranks[order] = np.arange(values.size)
    sorted_values = values[order]
    distinct = np.concatenate([[True], sorted_values[1:] != sorted_values[:-1]])
    n_distinct = int(distinct.sum())
    out = []
    for b in bins:
        if n_distinct <= b:
            index = np.cumsum(distinct) - 1
            out.append(index[ranks])
        else:
            out.append(ranks * b // values.size)
    return out


def _shares(codes: np.ndarray, x: np.ndarray, w: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    mass = np.bincount(codes, weights=w, minlength=n_codes)
    hits = np.bincount(codes, weights=w * x, minlength=n_codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(mass > 0, hits / np.where(mass > 0, mass, 1), np.nan)
    return share, mass


def first_order(codes: np.ndarray, x: np.ndarray, w: np.ndarray, n_eff: float) -> float:
    """Noise-corrected binned first-order share of the parameter whose bin codes are ``codes``."""
    p = float(w @ x)
    var = p * (1 - p)
    if var <= 0:
        return 0.0
    n_codes = int(codes.max()) + 1
    share, mass = _shares(codes, x, w, n_codes)
    used = mass > 0
    between = float(mass[used] @ (share[used] - p) ** 2)
    noise = var * (int(used.sum()) - 1) / max(n_eff, 1.0)
    return max(0.0, (between - noise) / var)


def weighted_percentiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) - 0.5 * w
    cum /= w.sum()
    return [float(np.interp(q, cum, v)) for q in qs]


def parameter_uncertainty(
    outcomes: pd.DataFrame, *, bins: int = BINS, grid: int = GRID, top: int = 3
) -> dict[str, Any] | None:
    """Per outcome: its probability, the 10th-90th percentile range of the probability across the leading
    parameters (``p10``, ``p90``), each sampled parameter's first-order share and the named drivers (module
    docstring). None when the run sampled no parameter or has fewer than MIN_REPLICATES replicates."""
    cols = sampled_columns(outcomes)
    if not cols or len(outcomes) < MIN_REPLICATES:
        return None
    table = outcomes
    if len(table) > MAX_ROWS:
        table = table.sample(n=MAX_ROWS, random_state=20251016).sort_index()
    if "weight" in table:
        w = table["weight"].to_numpy(dtype=float)
        w = w / w.sum()
        n_eff = 1.0 / float(w @ w)
    else:
        w = np.full(len(table), 1.0 / len(table))
        n_eff = float(len(table))
    codes, grid_codes = {}, {}
    for c in cols:
        codes[c], grid_codes[c] = bin_codes(table[c].to_numpy(dtype=float), bins, grid)
    decl = declarations()
    kinds = table["outcome"].astype(str).to_numpy()
    result: dict[str, Any] = {"method": METHOD, "replicates": len(outcomes), "parameters": cols, "outcomes": {}}
    for o in OUTCOMES:
        x = (kinds == o).astype(float)
        p = float(w @ x)
        shares = {c: first_order(codes[c], x, w, n_eff) for c in cols}
        ranked = sorted(cols, key=lambda c: -shares[c])
        floor = max(DRIVER_SHARE, 1.5 * (bins - 1) / n_eff)
        leading = [c for c in ranked[:2] if shares[c] >= floor]
        if leading:
            cell = grid_codes[leading[0]]
            if len(leading) > 1:
                cell = cell * (int(grid_codes[leading[1]].max()) + 1) + grid_codes[leading[1]]
            cell_p, mass = _shares(cell, x, w, int(cell.max()) + 1)
            used = mass > 0
            p10, p90 = weighted_percentiles(cell_p[used], mass[used], (0.1, 0.9))
        else:
            p10 = p90 = p
        drivers = [
            Driver(c, round(shares[c], 3), *decl.get(c, ("", "", "")))
            for c in ranked[:top]
            if shares[c] >= DRIVER_SHARE
        ]
        result["outcomes"][o] = {
            "p": p,
            "p10": p10,
            "p90": p90,
            "range_over": leading,
            "drivers": [d.to_dict() for d in drivers],
            "explained": round(sum(shares.values()), 3),
            "shares": {c: round(shares[c], 4) for c in ranked},
        }
    return result


def read_outcome_draws(path: str | Path) -> pd.DataFrame:
    """The columns of an outcomes.parquet that the estimate needs: outcome, weight and the parameter draws."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    keep = [c for c in names if c in ("outcome", "weight") or c.startswith(("params.", "initial."))]
    return pd.read_parquet(path, columns=keep)


def enriched_summary(summary: dict[str, Any], scenario: Any, outcomes: pd.DataFrame | str | Path) -> dict[str, Any]:
    """What ``summary.json`` holds beyond the simulation's own summary: where the run came from (its name, and
    for a variant its parent and overrides, sim/variant.py) and the model uncertainty of every outcome
    probability (``model_uncertainty``; None when the run sampled no parameter). ``outcomes`` is the outcome
    table or the path of its parquet file (a run that streamed its outcomes to disk)."""
    from sim.variant import provenance

    table = outcomes if isinstance(outcomes, pd.DataFrame) else read_outcome_draws(outcomes)
    return {**summary, "provenance": provenance(scenario), "model_uncertainty": parameter_uncertainty(table)}


def load_uncertainty(results_dir: str | Path) -> dict[str, Any] | None:
    """The model uncertainty of a results directory: from its summary.json when ``sim run`` wrote it there,
    else computed from outcomes.parquet (for the explorer and notebooks)."""
    import json

    path = Path(results_dir)
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    if "model_uncertainty" in summary:
        return dict(summary["model_uncertainty"]) if summary["model_uncertainty"] else None
    return parameter_uncertainty(pd.read_parquet(path / "outcomes.parquet"))


def short_parameter(path: str) -> str:
    return path.removeprefix("params.")


def drivers_text(entry: dict[str, Any]) -> str:
    """``negotiation.commitment_k (52%), costs.scale (45%)``."""
    return ", ".join(f"{short_parameter(d['parameter'])} ({d['share']:.0%})" for d in entry["drivers"]) or "none"
