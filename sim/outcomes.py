"""Per-replicate outcome records, weekly aggregates and summaries with intervals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.intervals import Z95, wilson  # noqa: F401  (re-exported)
from sim.model import PressureModel
from sim.names import CUMULATIVE, END_STATE, N_BINS, OUTCOMES, STATE_VARIABLES, VARIABLE_NAMES
from sim.summary import QUANTILES, SUMMARY_COLUMNS, summarise  # noqa: F401  (re-exported: the one summary)


def outcome_table(model: PressureModel, offset: int) -> pa.Table:
    """One row per replicate of a finished chunk: outcome, week, terms, sampled parameters, end state and
    cumulative figures (also per active week)."""
    weeks_active = np.minimum(model.end_week, model.horizon).astype(np.int32)
    cols: dict[str, Any] = {
        # a batch of scenarios (sim.batch): each block numbers its replicates as its scenario alone would
        "replicate": np.tile(np.arange(offset, offset + model.block_n, dtype=np.int64), model.n // model.block_n),
        "outcome": pa.array(np.asarray(OUTCOMES)[model.outcome]).dictionary_encode(),
        "week": model.end_week.astype(np.int32),
        "terms": model.terms,
        "co_triggered": model.co_trigger,
    }
    for path, values in model.sampled.items():
        cols[path] = values
    for name in END_STATE:
        cols[f"end.{name}"] = getattr(model, name)
    cumulative = {
        "revenue_ru": model.revenue_cum,
        "revenue_ru_per_week": model.revenue_cum / np.maximum(weeks_active, 1),
        "energy_deficit_weeks": model.deficit_weeks,
        "tomahawks_delivered": model.tomahawks_delivered,
        "escalation_peak": model.escalation_peak,
        "talks_held": model.talks_held.astype(np.int32),
        "salvos": model.salvos,
    }
    for name in CUMULATIVE:
        cols[f"cum.{name}"] = cumulative[name]
    return pa.table(cols)


class WeeklyAccumulator:
    """Adds chunks' weekly histograms and sums. Integer histograms commute; float sums are added in chunk
    order at the end, so the weekly table is byte-identical whatever the order chunks finish in."""

    def __init__(self, horizon: int) -> None:
        weeks = horizon + 1
        v = len(VARIABLE_NAMES)
        self.hist = np.zeros((weeks, 2, v, N_BINS), dtype=np.int64)
        self.sums: dict[int, np.ndarray] = {}
        self.n_active = np.zeros(weeks, dtype=np.int64)
        self.outcome_counts = np.zeros((weeks, len(OUTCOMES)), dtype=np.int64)
        self.n = 0

    def add(self, chunk: int, part: dict[str, Any]) -> None:
        self.hist += part["hist"]
        self.sums[chunk] = part["sums"]
        self.n_active += part["n_active"]
        self.outcome_counts += part["outcome_counts"]
        self.n += int(part["n"])

    def table(self, start: dt.date) -> pd.DataFrame:
        sums = np.zeros_like(next(iter(self.sums.values())))
        for c in sorted(self.sums):
            sums = sums + self.sums[c]
        weeks = self.hist.shape[0]
        # scopes: active = scope 0; all = scope 0 + scope 1
        hist_all = self.hist.sum(axis=1)
        hists = np.stack([self.hist[:, 0], hist_all], axis=1)  # (weeks, 2, V, bins)
        sum_scope = np.stack([sums[:, 0], sums.sum(axis=1)], axis=1)  # (weeks, 2, V)
        counts = hists.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sum_scope / counts
        qs = histogram_quantiles(hists, QUANTILES)  # (weeks, 2, V, Q)
        w_idx, s_idx, v_idx = np.meshgrid(np.arange(weeks), np.arange(2), np.arange(len(VARIABLE_NAMES)), indexing="ij")
        frame = pd.DataFrame(
            {
                "week": w_idx.ravel().astype(np.int32),
                "variable": np.asarray(VARIABLE_NAMES)[v_idx.ravel()],
                "scope": np.asarray(["active", "all"])[s_idx.ravel()],
                "n": counts.ravel().astype(np.int64),
                "mean": means.ravel(),
                **{f"q{int(round(q * 100)):02d}": qs[..., i].ravel() for i, q in enumerate(QUANTILES)},
            }
        )
        # Cumulative share of each outcome by week (over all replicates).
        shares = self.outcome_counts / max(self.n, 1)
        rows = []
        for k, name in enumerate(OUTCOMES):
            rows.append(
                pd.DataFrame(
                    {
                        "week": np.arange(weeks, dtype=np.int32),
                        "variable": f"share.{name}",
                        "scope": "all",
                        "n": np.full(weeks, self.n, dtype=np.int64),
                        "mean": shares[:, k],
                        **{f"q{int(round(q * 100)):02d}": np.nan for q in QUANTILES},
                    }
                )
            )
        frame = pd.concat([frame, *rows], ignore_index=True)
        frame.insert(1, "date", [start + dt.timedelta(weeks=int(w)) for w in frame["week"]])
        frame = frame.sort_values(["variable", "scope", "week"], kind="stable").reset_index(drop=True)
        return frame


def histogram_quantiles(hist: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles from fixed-bin histograms along the last axis, linearly interpolated inside a bin.

    Bins are those of STATE_VARIABLES (N_BINS over each variable's range), so a quantile is exact to a bin
    width (1/1000 of the range); values outside the range fall into the edge bins."""
    lo = np.array([v[0] for v in STATE_VARIABLES.values()])
    width = (np.array([v[1] for v in STATE_VARIABLES.values()]) - lo) / N_BINS
    cum = np.cumsum(hist, axis=-1)
    total = cum[..., -1:]
    out = np.empty((*hist.shape[:-1], len(qs)))
    for i, q in enumerate(qs):
        target = q * total
        idx = np.minimum((cum < target).sum(axis=-1, keepdims=True), N_BINS - 1)
        before = np.take_along_axis(cum, idx, -1) - np.take_along_axis(hist, idx, -1)
        in_bin = np.take_along_axis(hist, idx, -1)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(in_bin > 0, (target - before) / in_bin, 0.5)
        value = lo[:, None] + (idx + np.clip(frac, 0, 1)) * width[:, None]
        out[..., i] = np.where(total > 0, value, np.nan)[..., 0]
    return out
