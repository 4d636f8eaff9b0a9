"""Statistics of a weighted sample, shared by scoring, conditioning, comparison and the charts: the replicates'
weights of a results directory, quantiles and Kish's effective sample size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.errors import ScenarioError


def _prepare(sample: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Finite members with positive weight, weights normalised to sum to 1."""
    x = np.asarray(sample, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    if x.size == 0:
        raise ValueError("empty sample (no finite member with positive weight)")
    return x, w / w.sum()


def weighted_quantile(sample: np.ndarray, qs: float | Sequence[float], weights: np.ndarray | None = None) -> np.ndarray:
    """Quantiles of a weighted sample: the member with cumulative weight W_<j + w_j/2 sits at probability
    W_<j + w_j/2 (Hazen's plotting positions, which reduce to (j + 1/2)/n with equal weights), linearly
    interpolated between members and clamped to the extremes."""
    x, w = _prepare(sample, weights)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    pos = np.cumsum(ws) - ws / 2.0
    return np.interp(np.asarray(qs, dtype=float), pos, xs)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2: n for equal weights, 1 for a single one."""
    w = np.asarray(weights, dtype=float)
    s2 = float(np.sum(w * w))
    return 0.0 if s2 == 0.0 else float(np.sum(w)) ** 2 / s2


def replicate_weights(outcomes: Any, source: str | None = None) -> np.ndarray | None:
    """The one reader of replicate weights: the ``weight`` column of a conditioned run's outcome table,
    normalised to sum 1, or None for an ordinary run (equal weights). Weights that are not finite, negative,
    or all zero are an error naming ``source`` (the results directory)."""
    if "weight" not in outcomes:
        return None
    w = np.asarray(outcomes["weight"], dtype=float)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ScenarioError(
            "outcomes.parquet: the weight column must be finite, non-negative and not all zero", source=source
        )
    return w / w.sum()
