"""Coercion by channel: punishment, denial and economic pressure act on a target's costs and resolve differently.

* **Punishment** (strikes on energy and cities) imposes a cost on the population. Its pass-through to the
  decision to concede is weak (Pape 1996, *Bombing to Win*, ch. 2-3; Horowitz and Reiter 2001: punishment of
  civilians has no detectable effect on the success of coercive air campaigns), and a rise in punishment
  *hardens* the target for a while (rally effects: Mueller 1970; Lambert, Scherer, Schott et al. 2010) before
  its continued cost erodes resolve. The hardening is modelled against an adaptation level, the exponentially
  weighted recent punishment (Helson 1964's adaptation level): only punishment above what the target has
  adapted to rallies it, and the rally fades as the level catches up.
* **Denial** (military pressure on the front and its logistics, including refinery and depot strikes) passes
  fully into the war's expected cost (Pape 1996: denial, not punishment, is what coerces).
* **Economic pressure** (revenue, sanctions, tariffs) reaches war costs only through the target's fiscal
  adjustment (``sim.processes.fiscal``): what its reserves, borrowing and spending cuts absorb costs little.

All functions are pure and vectorised; costs are in shares of the disputed territory per week.
"""

from __future__ import annotations

from typing import cast

import numpy as np


def adaptation_weight(half_life: np.ndarray | float) -> np.ndarray:
    """Weekly weight a = 1 - 2^(-1/h) of an exponential average with a half-life of h weeks."""
    return 1.0 - np.exp2(-1.0 / np.asarray(half_life, dtype=float))


def adaptation_step(level: np.ndarray, punishment: np.ndarray, half_life: np.ndarray | float) -> np.ndarray:
    """The adaptation level moves toward this week's punishment: L' = L + a (P - L)."""
    return cast(np.ndarray, level + adaptation_weight(half_life) * (punishment - level))


def rally(punishment: np.ndarray, level: np.ndarray, gain: np.ndarray | float) -> np.ndarray:
    """Resolve gained this week from punishment above the adaptation level: g max(P - L, 0)."""
    return cast(np.ndarray, np.asarray(gain) * np.maximum(punishment - level, 0.0))


def resolve_step(
    resolve: np.ndarray,
    cost_other: np.ndarray,
    punishment: np.ndarray,
    level: np.ndarray,
    recovery: np.ndarray | float,
    erosion: np.ndarray | float,
    punishment_erosion: np.ndarray | float,
    rally_gain: np.ndarray | float,
) -> np.ndarray:
    """Resolve recovers toward 1, erodes with denial and economic costs (e) and with punishment (e_p), and
    rallies with punishment above the adaptation level:

        r' = clip(r + rec (1 - r) - e c_other - e_p P + g max(P - L, 0), 0, 1)

    With g = 0 and e_p = e this is ``costs.resolve_step`` on the total cost."""
    return cast(
        np.ndarray,
        np.clip(
            resolve
            + recovery * (1.0 - resolve)
            - erosion * cost_other
            - punishment_erosion * punishment
            + rally(punishment, level, rally_gain),
            0.0,
            1.0,
        ),
    )


def decision_cost(
    denial: np.ndarray | float,
    economic: np.ndarray | float,
    punishment: np.ndarray | float,
    passthrough: np.ndarray | float,
) -> np.ndarray:
    """The weekly cost a government weighs when it values continuing the war: denial and (post-adjustment)
    economic costs in full, punishment by its pass-through omega in [0, 1]."""
    return cast(
        np.ndarray, np.asarray(denial) + np.asarray(economic) + np.asarray(passthrough) * np.asarray(punishment)
    )


def rally_total(step_up: float, half_life: float, gain: float) -> float:
    """Closed form: the total resolve a step rise of punishment by dP (from a steady level) adds through the
    rally, summed over the weeks until adaptation: g dP sum_t (1 - a)^t = g dP / a."""
    a = float(adaptation_weight(half_life))
    return gain * step_up / a
