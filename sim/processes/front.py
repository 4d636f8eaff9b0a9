"""The front as it moved in 2023-25: a drift set by the balance of strength plus a weekly noise calibrated to
the observed monthly net change (ISW, DeepState), with the gambler's-ruin walk as a limiting case.

The front is counted in steps of 1/n of the disputed territory (one step = area/n km2). A week's move is

    delta = (1 - w) v(p) + w (2 won - 1) + s z          (steps; z ~ N(0, 1), won ~ Bernoulli(p))
    v(p)  = (V / a) tanh(a (2 p - 1) / V)                (a = area/n km2 a step, V the fastest sustained pace)

where p is Russia's chance of winning the week (the Tullock contest), w the weight of the week's binary result
and s the weekly noise in steps. The drift v is (2p - 1) steps a week near parity and saturates at V km2 a
week: an attacker's sustained advance is bounded by its capacity to exploit (force-to-space and logistics;
Biddle 2004, *Military Power*), so a shift in the balance does not multiply the pace without limit. With
V = inf the drift is exactly (2p - 1). With w = 1 and s = 0 the front is exactly the gambler's-ruin walk of
``battle.front_step``; with w = 0 it is a Gaussian random walk with drift (2p - 1) steps a week (Brownian motion
with drift: Cox and Miller 1965, ch. 5), whose variance no longer comes from the coin flip but from the data.
Both ends are absorbing: reaching n means Russia holds the whole disputed territory, 0 that Ukraine retook it.
"""

from __future__ import annotations

from typing import cast

import numpy as np


def noise_in_steps(sd_km2: np.ndarray | float, area_km2: np.ndarray | float, n_steps: np.ndarray | float) -> np.ndarray:
    """A weekly standard deviation in km2 expressed in steps of area/n."""
    return cast(np.ndarray, np.asarray(sd_km2) * np.asarray(n_steps) / np.asarray(area_km2))


def drift_steps(p: np.ndarray | float, step_km2: np.ndarray | float, max_drift_km2: np.ndarray | float) -> np.ndarray:
    """v(p) = (V/a) tanh(a (2p - 1) / V) steps a week; (2p - 1) when V is infinite."""
    linear = 2.0 * np.asarray(p, dtype=float) - 1.0
    v = np.asarray(max_drift_km2, dtype=float)
    a = np.asarray(step_km2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = (v / a) * np.tanh(a * linear / v)
    return np.where(np.isinf(v), linear, sat)


def front_move(
    steps: np.ndarray,
    n_steps: np.ndarray | float,
    drift: np.ndarray | float,
    russia_won: np.ndarray,
    coin_weight: np.ndarray | float,
    noise_steps: np.ndarray | float,
    z: np.ndarray,
) -> np.ndarray:
    """The front after one week, in (real-valued) steps, clipped to [0, n]:
    steps + (1 - w) v + w (2 won - 1) + s z, with v from ``drift_steps``."""
    won = np.asarray(russia_won, dtype=float)
    delta = (1.0 - np.asarray(coin_weight)) * np.asarray(drift) + np.asarray(coin_weight) * (2.0 * won - 1.0)
    return cast(np.ndarray, np.clip(steps + delta + np.asarray(noise_steps) * z, 0.0, n_steps))


def weekly_moments(p: float, coin_weight: float, noise_steps: float) -> tuple[float, float]:
    """Mean and variance of one week's move (steps) at constant p without saturation, away from the ends:
    mean (2p - 1), variance w^2 4p(1 - p) + s^2."""
    return 2.0 * p - 1.0, coin_weight**2 * 4.0 * p * (1.0 - p) + noise_steps**2


def change_moments(p: float, coin_weight: float, noise_steps: float, weeks: int) -> tuple[float, float]:
    """Mean and standard deviation of the change over ``weeks`` weeks at constant p (independent weeks,
    away from the ends): weeks x mean, sqrt(weeks x variance)."""
    mean, var = weekly_moments(p, coin_weight, noise_steps)
    return weeks * mean, float(np.sqrt(weeks * var))


def weekly_sd_from_monthly(monthly_sd_km2: float, weeks_per_month: float = 365.25 / 12 / 7) -> float:
    """The weekly sd that gives an observed monthly sd when weeks are independent: sd_m / sqrt(4.35)."""
    return monthly_sd_km2 / float(np.sqrt(weeks_per_month))
