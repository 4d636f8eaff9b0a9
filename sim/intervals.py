"""Confidence intervals for proportions: numpy only, for the model's summaries and for whatever aggregates
results without importing the model (a sweep's points, comparisons)."""

from __future__ import annotations

from typing import Any

import numpy as np

Z95 = 1.959963984540054


def wilson(k: int | np.ndarray, n: int | np.ndarray, z: float = Z95) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion (Wilson 1927)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact arithmetic has lo <= p <= hi in [0, 1]; clamp away rounding at p = 0 or 1
    return np.clip(np.minimum(centre - half, p), 0, 1), np.clip(np.maximum(centre + half, p), 0, 1)
