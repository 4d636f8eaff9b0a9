"""Process 6: escalation pressure and the weekly hazard of direct NATO-Russia confrontation."""

from __future__ import annotations

import numpy as np


def pressure_step(
    pressure: np.ndarray,
    tomahawks: np.ndarray,
    salvo: np.ndarray,
    deep_hits: np.ndarray,
    decay: np.ndarray | float,
    tomahawk_weight: np.ndarray | float,
    salvo_weight: np.ndarray | float,
    deep_strike_weight: np.ndarray | float,
) -> np.ndarray:
    """Pressure decays geometrically and accumulates provocations: Tomahawk strikes deep in Russia, massive
    salvos, and deep drone hits."""
    return decay * pressure + tomahawk_weight * tomahawks + salvo_weight * salvo + deep_strike_weight * deep_hits


def hazard(pressure: np.ndarray, base: np.ndarray | float, per_pressure: np.ndarray | float) -> np.ndarray:
    """Weekly probability of the terminal escalation: 1 - exp(-(h0 + h1 pressure))."""
    return -np.expm1(-(base + per_pressure * pressure))
