"""Scoring rules, all negatively oriented (lower is better): CRPS of a (weighted) sample, the PIT, the Brier
and log scores of facts; ``score`` asks where each observation fell in a run's distribution and
``write_score`` writes the report and its calibration chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.observe.ensemble import Ensemble, gather
from sim.observe.observations import Observations
from sim.observe.weighted import _prepare, effective_sample_size, weighted_quantile

SCORE_FILE = "score.json"
CALIBRATION_CHART = "calibration.png"


def crps_sample(sample: np.ndarray, y: float, weights: np.ndarray | None = None) -> float:
    """The continuous ranked probability score of the (weighted) sample's distribution at y.

    Exact for the sample's empirical distribution: CRPS = E|X - y| - 1/2 E|X - X'|, with the second term
    from the sorted sample in O(n log n): 1/2 E|X - X'| = sum_j w_j x_j (2 W_<j + w_j - 1)."""
    x, w = _prepare(sample, weights)
    x, y = x - y, 0.0  # the score is translation invariant; centred at y, a sample equal to y gives exactly 0
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    below = np.cumsum(ws) - ws
    spread = float(np.sum(ws * xs * (2.0 * below + ws - 1.0)))
    # the exact value is >= 0; rounding in the two sums can leave -5e-14 where it is exactly 0
    return max(0.0, float(np.sum(w * np.abs(x - y))) - spread)


def stored(value: float) -> float:
    """An observed value at the precision the run stored its trajectories (float32): 0.83 becomes the float32
    nearest 0.83, the value a replicate at 0.83 holds, so that an observation equal to the model's value ties
    with it (docs/observations.md)."""
    return float(np.float32(value))


def pit(sample: np.ndarray, y: float, weights: np.ndarray | None = None) -> float:
    """Probability integral transform of y: the (weighted) share of the sample below y, counting ties as
    half (mid-distribution PIT, so a y equal to every member scores 0.5)."""
    x, w = _prepare(sample, weights)
    below, tied, above = float(np.sum(w[x < y])), float(np.sum(w[x == y])), float(np.sum(w[x > y]))
    # divided by the weights' own sum, so that rounding cannot give 0.5000000000000002 or 1.0000000000000004
    return min(1.0, max(0.0, (below + 0.5 * tied) / (below + tied + above)))


def brier_score(p: float | np.ndarray, happened: bool | np.ndarray) -> Any:
    """(p - o)^2, o = 1 if the event happened else 0."""
    return (np.asarray(p, dtype=float) - np.asarray(happened, dtype=float)) ** 2


def log_score(p: float | np.ndarray, happened: bool | np.ndarray, eps: float = 1e-6) -> Any:
    """-ln of the probability given to what happened, with p clipped to [eps, 1 - eps] so that an event the
    ensemble never produced scores a large finite penalty instead of infinity."""
    pc = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    return -np.log(np.where(np.asarray(happened, dtype=bool), pc, 1.0 - pc))


def event_clip(ess: float) -> float:
    """The log score's clipping: half a replicate's worth of probability, 1 / (2 ESS)."""
    return 0.5 / max(ess, 1.0)


def score(ens: Ensemble, obs: Observations) -> dict[str, Any]:
    """Score every observation against the ensemble (weighted if it was conditioned); a JSON-ready report."""
    ev = gather(ens, obs)
    w = ens.weights
    ess = effective_sample_size(w) if w is not None else float(ens.n)
    value_rows = []
    for j, o in enumerate(obs.values):
        x = ev.values[j]
        q = weighted_quantile(x, (0.05, 0.25, 0.5, 0.75, 0.95), w)
        y = stored(o.value)  # compared at the trajectories' float32 precision, so equal values tie
        u = pit(x, y, w)
        value_rows.append(
            {
                "line": o.line,
                "date": o.date.isoformat(),
                "week": o.week,
                "variable": o.variable,
                "value": o.value,
                "sd": o.sd,
                "mean": float(np.average(x, weights=w)),
                "q05": float(q[0]),
                "q25": float(q[1]),
                "median": float(q[2]),
                "q75": float(q[3]),
                "q95": float(q[4]),
                "pit": u,
                "in_50": bool(q[1] <= y <= q[3]),
                "in_90": bool(q[0] <= y <= q[4]),
                "crps": crps_sample(x, y, w),
            }
        )
    eps = event_clip(ess)
    event_rows = []
    for k, e in enumerate(obs.events):
        p = float(np.average(ev.events[k], weights=w))
        event_rows.append(
            {
                "line": e.line,
                "date": e.date.isoformat(),
                "week": e.week,
                "event": e.event,
                "happened": e.happened,
                "p": p,
                "brier": float(brier_score(p, e.happened)),
                "log_score": float(log_score(p, e.happened, eps)),
            }
        )
    return {
        "results": str(ens.path),
        "observations": obs.path,
        "observations_sha256": obs.sha256,
        "scenario": ens.scenario.name,
        "start_date": ens.scenario.start_date.isoformat(),
        "replicates": ens.n,
        "weighted": w is not None,
        "ess": ess,
        "log_score_clip": eps,
        "values": value_rows,
        "events": event_rows,
        "summary": score_summary(value_rows, event_rows),
    }


NOMINAL_LEVELS = tuple(round(0.1 * k, 1) for k in range(1, 10))


def coverage_curve(pits: Sequence[float]) -> list[dict[str, float]]:
    """Share of observations inside the central interval of each nominal level (from their PIT values)."""
    u = np.asarray(pits, dtype=float)
    return (
        [{"nominal": lvl, "observed": float(np.mean(np.abs(u - 0.5) <= lvl / 2 + 1e-12))} for lvl in NOMINAL_LEVELS]
        if u.size
        else []
    )


def score_summary(value_rows: list[dict[str, Any]], event_rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"values": len(value_rows), "events": len(event_rows)}
    if value_rows:
        frame = pd.DataFrame(value_rows)
        out["coverage_50"] = {"observed": float(frame["in_50"].mean()), "nominal": 0.5}
        out["coverage_90"] = {"observed": float(frame["in_90"].mean()), "nominal": 0.9}
        out["mean_pit"] = float(frame["pit"].mean())
        out["coverage_curve"] = coverage_curve(frame["pit"].tolist())
        out["by_variable"] = {
            var: {
                "n": len(g),
                "coverage_50": float(g["in_50"].mean()),
                "coverage_90": float(g["in_90"].mean()),
                "mean_pit": float(g["pit"].mean()),
                "mean_crps": float(g["crps"].mean()),
            }
            for var, g in frame.groupby("variable", sort=True)
        }
    if event_rows:
        out["mean_brier"] = float(np.mean([r["brier"] for r in event_rows]))
        out["mean_log_score"] = float(np.mean([r["log_score"] for r in event_rows]))
    return out


def write_score(report: dict[str, Any], out: str | Path, *, force: bool = False) -> tuple[Path, Path | None]:
    """Write score.json and charts/calibration.png into ``out`` (each replaced atomically)."""
    from sim.errors import RunError
    from sim.files import atomic_file, json_bytes, write_atomic
    from sim.observe.plots import calibration_figure
    from sim.plots.common import save

    out = Path(out)
    target = out / SCORE_FILE
    if target.exists() and not force:
        raise RunError(f"{target}: exists; pass --force to replace it")
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json_bytes(report))
    chart = None
    if report["values"] or report["events"]:
        (out / "charts").mkdir(exist_ok=True)
        chart = out / "charts" / CALIBRATION_CHART
        with atomic_file(chart) as tmp_chart:
            save(calibration_figure(report), tmp_chart, fmt="png")  # the charts' style and 150 dpi
    return target, chart
