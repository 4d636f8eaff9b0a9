"""Conditioning by reweighting: each replicate's weight is a kernel per observation times its prior weight
(approximate Bayesian computation), and ``write_conditioned`` writes the result as an ordinary results
directory with a ``weight`` column, a weighted summary and weekly table, and the parameters' prior against
posterior.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.names import OUTCOMES, STATE_VARIABLES
from sim.observe.defaults import DEFAULT_MIN_ESS, DEFAULT_TOLERANCE
from sim.observe.ensemble import Ensemble, Evidence, gather
from sim.observe.observations import Observations, ValueObservation
from sim.observe.weighted import _prepare, effective_sample_size, weighted_quantile
from sim.summary import QUANTILES, as_dict, summarise

PARAMETERS_CHART = "parameters.png"
OBSERVATIONS_COPY = "observations.csv"

Kernel = Literal["gaussian", "uniform"]


@dataclass
class Conditioning:
    """The posterior weights (summing to 1; all zero if no replicate is consistent) and how they came about."""

    weights: np.ndarray
    ess: float
    kernel: str
    tolerance: float
    event_error: float
    bandwidths: list[float]
    prior_ess: float


def bandwidth(o: ValueObservation, tolerance: float) -> float:
    """The kernel width of a value observation: its sd, else ``tolerance`` x the variable's range."""
    if o.sd is not None:
        return o.sd
    lo, hi, _ = STATE_VARIABLES[o.variable]
    return tolerance * (hi - lo)


def log_likelihood(
    ev: Evidence,
    obs: Observations,
    *,
    kernel: Kernel = "gaussian",
    tolerance: float = DEFAULT_TOLERANCE,
    event_error: float = 0.0,
) -> tuple[np.ndarray, list[float]]:
    """Each replicate's log kernel weight: a sum over observations (they are taken as independent)."""
    logw = np.zeros(ev.values.shape[1])
    widths = []
    with np.errstate(invalid="ignore"):
        for j, o in enumerate(obs.values):
            h = bandwidth(o, tolerance)
            widths.append(h)
            z = (ev.values[j] - o.value) / h
            term = -0.5 * z * z if kernel == "gaussian" else np.where(np.abs(z) <= 1.0, 0.0, -np.inf)
            logw += np.where(np.isfinite(z), term, -np.inf)
    agree_log = math.log1p(-event_error)
    disagree_log = math.log(event_error) if event_error > 0 else -math.inf
    for k, e in enumerate(obs.events):
        logw += np.where(ev.events[k] == e.happened, agree_log, disagree_log)
    return logw, widths


def condition(
    ens: Ensemble,
    obs: Observations,
    *,
    kernel: Kernel = "gaussian",
    tolerance: float = DEFAULT_TOLERANCE,
    event_error: float = 0.0,
) -> Conditioning:
    """Reweight the replicates by their kernel weight times their prior weight (1, or the weight column of an
    already conditioned directory)."""
    if not tolerance > 0:
        raise ScenarioError(f"--tolerance: expected a positive share of the range, got {tolerance}")
    if not 0.0 <= event_error < 0.5:
        raise ScenarioError(f"--event-error: expected a probability in [0, 0.5), got {event_error}")
    ev = gather(ens, obs)
    logw, widths = log_likelihood(ev, obs, kernel=kernel, tolerance=tolerance, event_error=event_error)
    prior = ens.weights
    prior_ess = effective_sample_size(prior) if prior is not None else float(ens.n)
    if prior is not None:
        with np.errstate(divide="ignore"):
            logw = logw + np.log(prior)
    top = float(np.max(logw)) if logw.size else -math.inf
    if not math.isfinite(top):
        w = np.zeros_like(logw)
    else:
        # Subtracting the largest log weight keeps the best replicate at 1: no underflow of all weights when
        # there are many observations.
        w = np.exp(logw - top)
        w /= w.sum()
    return Conditioning(w, effective_sample_size(w), kernel, tolerance, event_error, widths, prior_ess)


def _moments(x: np.ndarray, w: np.ndarray | None) -> dict[str, float]:
    xs, ws = _prepare(x, w)
    mean = float(np.sum(ws * xs))
    sd = float(np.sqrt(np.sum(ws * (xs - mean) ** 2)))
    q = weighted_quantile(xs, (0.05, 0.5, 0.95), ws)
    return {"mean": mean, "sd": sd, "q05": float(q[0]), "median": float(q[1]), "q95": float(q[2])}


def sampled_parameters(outcomes: pd.DataFrame) -> list[str]:
    return [c for c in outcomes.columns if c.startswith(("params.", "initial."))]


def parameter_summary(
    outcomes: pd.DataFrame, prior: np.ndarray | None, posterior: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Prior against posterior of every sampled parameter: moments, quantiles, the shift of the mean in prior
    standard deviations, and the ratio of the standard deviations (under 1: the observations informed it)."""
    out: dict[str, dict[str, Any]] = {}
    for col in sampled_parameters(outcomes):
        x = outcomes[col].to_numpy(dtype=float)
        a, b = _moments(x, prior), _moments(x, posterior)
        out[col] = {
            "prior": a,
            "posterior": b,
            "shift_sd": (b["mean"] - a["mean"]) / a["sd"] if a["sd"] > 0 else 0.0,
            "sd_ratio": b["sd"] / a["sd"] if a["sd"] > 0 else 1.0,
        }
    return out


def weighted_weekly(ens: Ensemble, w: np.ndarray, prior_weekly: pd.DataFrame | None = None) -> pd.DataFrame:
    """The weekly table (schema of sim.outcomes.WeeklyAccumulator.table) from weights: trajectory variables
    (scopes ``active`` and ``all``) and the cumulative outcome shares ``share.<outcome>``; ``n`` counts the
    replicates with positive weight. Variables without a trajectory cannot be conditioned: their rows are
    copied unchanged from ``prior_weekly`` when it is given (and listed by ``unconditioned_variables``)."""
    sc = ens.scenario
    weeks = sc.horizon_weeks + 1
    outcome = ens.outcomes["outcome"].astype(str).to_numpy()
    end_week = ens.outcomes["week"].to_numpy()
    ended = outcome != OUTCOMES[0]
    qcols = [f"q{int(round(q * 100)):02d}" for q in QUANTILES]
    frames = []
    positive = w > 0
    nan_row = {"n": 0, "mean": np.nan, **{c: np.nan for c in qcols}}
    for var in ens.kept:
        values = ens.trajectories({var: list(range(weeks))})[var]  # one variable at a time: bounded memory
        rows: dict[str, list[dict[str, Any]]] = {"active": [], "all": []}
        for t in range(weeks):
            # One sort a week serves both scopes: a scope is a mask over the sorted order.
            order = np.argsort(values[t], kind="stable")
            xs_all = values[t][order].astype(float)
            usable = positive[order] & np.isfinite(xs_all)
            alive = ~(ended & (end_week <= t))
            for scope, mask in (("active", usable & alive[order]), ("all", usable)):
                xs, ws = xs_all[mask], w[order][mask]
                if xs.size == 0:
                    rows[scope].append(nan_row)
                    continue
                total = ws.sum()
                pos = (np.cumsum(ws) - ws / 2.0) / total  # Hazen positions, as in weighted_quantile
                qv = np.interp(QUANTILES, pos, xs)
                rows[scope].append(
                    {
                        "n": int(xs.size),
                        "mean": float(np.dot(xs, ws) / total),
                        **{c: float(v) for c, v in zip(qcols, qv, strict=True)},
                    }
                )
        for scope in ("active", "all"):
            table = pd.DataFrame(rows[scope], columns=["n", "mean", *qcols])
            frames.append(
                pd.DataFrame(
                    {
                        "week": np.arange(weeks, dtype=np.int32),
                        "variable": var,
                        "scope": scope,
                        "n": table["n"].to_numpy(dtype=np.int64),
                        **{c: table[c].to_numpy(dtype=float) for c in ["mean", *qcols]},
                    }
                )
            )
    n_pos = int(positive.sum())
    for name in OUTCOMES:
        if name == OUTCOMES[0]:
            share = [float(w[~(ended & (end_week <= t))].sum()) for t in range(weeks)]
        else:
            hit = outcome == name
            share = [float(w[hit & (end_week <= t)].sum()) for t in range(weeks)]
        frames.append(
            pd.DataFrame(
                {
                    "week": np.arange(weeks, dtype=np.int32),
                    "variable": f"share.{name}",
                    "scope": "all",
                    "n": np.full(weeks, n_pos, dtype=np.int64),
                    "mean": share,
                    **{c: np.nan for c in qcols},
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(1, "date", [sc.start_date + dt.timedelta(weeks=int(t)) for t in frame["week"]])
    if prior_weekly is not None:
        copied = prior_weekly[~prior_weekly["variable"].isin(set(frame["variable"]))]
        frame = pd.concat([frame, copied[frame.columns]], ignore_index=True)
    return frame.sort_values(["variable", "scope", "week"], kind="stable").reset_index(drop=True)


def unconditioned_variables(prior_weekly: pd.DataFrame, kept: Sequence[str]) -> list[str]:
    """The state variables whose weekly rows a conditioned directory copies from its prior."""
    names = set(prior_weekly["variable"]) - set(kept)
    return sorted(n for n in names if not n.startswith("share."))


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_conditioned(
    ens: Ensemble,
    obs: Observations,
    cond: Conditioning,
    out: str | Path,
    *,
    force: bool = False,
    min_ess: float = DEFAULT_MIN_ESS,
    command: str | None = None,
) -> dict[str, Any]:
    """Write the conditioned results directory atomically; return its summary."""
    from sim.observe.plots import parameters_figure
    from sim.results import (
        MANIFEST_FILE,
        OUTCOMES_FILE,
        SCENARIO_FILE,
        SUMMARY_FILE,
        TRAJECTORIES_FILE,
        WEEKLY_FILE,
        atomic_dir,
        manifest,
        write_json,
        write_parquet,
    )

    started = time.perf_counter()
    sc = ens.scenario
    out = Path(out)
    w = cond.weights
    summary = as_dict(summarise(ens.outcomes, sc.start_date, sc.horizon_weeks, weights=w, ess=cond.ess))
    summary["scenario"] = sc.name
    summary["seed"] = sc.seed
    params = parameter_summary(ens.outcomes, ens.weights, w)
    summary["parameters"] = params
    summary["conditioning"] = {
        "observations": obs.path,
        "observations_sha256": obs.sha256,
        "values": len(obs.values),
        "events": len(obs.events),
        "kernel": cond.kernel,
        "tolerance": cond.tolerance,
        "event_error": cond.event_error,
        "ess": cond.ess,
        "prior_ess": cond.prior_ess,
        "min_ess": min_ess,
        "low_ess": cond.ess < min_ess,
    }
    prior_weekly = pd.read_parquet(ens.path / WEEKLY_FILE)
    weekly = weighted_weekly(ens, w, prior_weekly)
    unconditioned = unconditioned_variables(prior_weekly, ens.kept)
    summary["conditioning"]["weekly_unconditioned"] = unconditioned
    outcomes = ens.outcomes.copy()
    outcomes["weight"] = w
    from sim.uncertainty import enriched_summary

    summary = enriched_summary(summary, sc, outcomes)  # provenance, model uncertainty (weighted)
    with atomic_dir(out, force) as tmp:
        write_parquet(outcomes, tmp / OUTCOMES_FILE)
        write_parquet(weekly, tmp / WEEKLY_FILE)
        write_json(summary, tmp / SUMMARY_FILE)
        shutil.copyfile(ens.path / SCENARIO_FILE, tmp / SCENARIO_FILE)
        shutil.copyfile(obs.path, tmp / OBSERVATIONS_COPY)
        if ens.kept:
            _link_or_copy(ens.trajectories_path, tmp / TRAJECTORIES_FILE)
        (tmp / "charts").mkdir()
        fig = parameters_figure(ens.outcomes, ens.weights, w, params)
        fig.savefig(tmp / "charts" / PARAMETERS_CHART, dpi=110)
        prior_manifest = ens.manifest
        fields = {
            "scenario": sc.name,
            "scenario_file": prior_manifest.get("scenario_file"),
            "scenario_sha256": sc.digest(),
            "seed": sc.seed,
            "replicates": ens.n,
            "chunk_size": sc.chunk_size,
            "horizon_weeks": sc.horizon_weeks,
            "prior": {
                "path": str(ens.path),
                "kind": prior_manifest.get("kind", "run"),
                "created": prior_manifest.get("created"),
                "ess": cond.prior_ess,
            },
            "observations": {
                "file": obs.path,
                "sha256": obs.sha256,
                "values": len(obs.values),
                "events": len(obs.events),
            },
            "method": {"kernel": cond.kernel, "tolerance": cond.tolerance, "event_error": cond.event_error},
            "ess": cond.ess,
            "min_ess": min_ess,
            "weekly_conditioned": list(ens.kept),
            "weekly_unconditioned": unconditioned,
        }
        record = manifest("conditioned", fields, command=command)
        record["timings"] = {"wall_seconds": time.perf_counter() - started}
        write_json(record, tmp / MANIFEST_FILE)
    return summary
