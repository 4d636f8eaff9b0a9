"""A stochastic oil market: Brent with jumps, the Urals discount as a noisy function of enforcement and of
designations, India's purchases with noise, a response to designations and waivers, and the contract lag.

* **Brent** is a log-AR(1) (mean reverting, Schwartz 1997 one-factor model) plus compound-Poisson jumps in the
  log price (Merton 1976's jump diffusion): oil shocks such as Aug-Oct 1990 (Iraq-Kuwait, $17 -> $36 monthly
  average), Mar 2022 ($97 -> $128 in two weeks) and the collapses of 2008 and 2020 are jumps that mean
  reversion then unwinds over months.
* **The Urals FOB discount** is a share of Brent whose logit follows an AR(1) toward a target set by sanctions
  enforcement and by the *effective* designation pressure, the share of exports by designated producers less
  what the trade has re-routed (designations of Rosneft and Lukoil on 22 Oct 2025 widened the discount from
  17% of Brent in October to 23% in November and about $27/bbl in January: Bank of Russia; Reuters).
* **India's share** moves toward a target with a contract lag and weekly noise; designations take out the
  share of the designated barrels its refiners refuse (compliance), less waivers.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from scipy.special import expit, logit

from sim.processes.coercion import adaptation_weight


def brent_jump_step(
    brent: np.ndarray,
    mean: np.ndarray | float,
    reversion: np.ndarray | float,
    vol: np.ndarray | float,
    eps: np.ndarray,
    u_jump: np.ndarray,
    z_jump: np.ndarray,
    jump_rate: np.ndarray | float,
    jump_mean: np.ndarray | float,
    jump_sd: np.ndarray | float,
) -> np.ndarray:
    """log B' = log B + kappa (log mu - log B) + sigma eps + 1[u < lambda] (m_J + s_J z).

    At most one jump a week (lambda is a weekly probability; for small lambda the Poisson count)."""
    log_b = np.log(brent)
    jump = (np.asarray(u_jump) < jump_rate) * (np.asarray(jump_mean) + np.asarray(jump_sd) * z_jump)
    return cast(np.ndarray, np.exp(log_b + reversion * (np.log(mean) - log_b) + vol * eps + jump))


def log_return_moments(vol: float, jump_rate: float, jump_mean: float, jump_sd: float) -> tuple[float, float, float]:
    """Closed forms for one week's log return without reversion (kappa = 0) and a Bernoulli(lambda) jump:
    mean lambda m_J, variance sigma^2 + lambda (s_J^2 + m_J^2) - (lambda m_J)^2, and, for m_J = 0, excess
    kurtosis 3 lambda (1 - lambda) s_J^4 / var^2 (a normal has 0: the jumps fatten the tails)."""
    mean = jump_rate * jump_mean
    var = vol**2 + jump_rate * (jump_sd**2 + jump_mean**2) - mean**2
    kurt = 3.0 * jump_rate * (1.0 - jump_rate) * jump_sd**4 / var**2 if jump_mean == 0 else float("nan")
    return mean, var, kurt


def designation_adaptation_step(
    adapted: np.ndarray, designated: np.ndarray | float, half_life: np.ndarray | float
) -> np.ndarray:
    """The trade re-routes around designations (new intermediaries, the shadow fleet): the adapted share moves
    toward the designated share with a half-life in weeks; it never exceeds it."""
    designated = np.asarray(designated, dtype=float)
    return cast(
        np.ndarray,
        np.minimum(adapted + adaptation_weight(half_life) * (designated - adapted), np.maximum(designated, adapted)),
    )


def effective_designation(designated: np.ndarray | float, adapted: np.ndarray) -> np.ndarray:
    """The designation pressure not yet re-routed: max(D - A, 0)."""
    return cast(np.ndarray, np.maximum(np.asarray(designated, dtype=float) - adapted, 0.0))


def discount_target(
    base_share: np.ndarray | float,
    enforcement: np.ndarray | float,
    enforcement_ref: np.ndarray | float,
    enforcement_slope: np.ndarray | float,
    effective_designated: np.ndarray,
    designation_slope: np.ndarray | float,
    cap: float = 0.8,
) -> np.ndarray:
    """Target FOB discount as a share of Brent: base + slope_e (S - S_ref) + slope_d D_eff, clipped to
    [0.01, cap]."""
    target = (
        np.asarray(base_share)
        + np.asarray(enforcement_slope) * (np.asarray(enforcement) - enforcement_ref)
        + np.asarray(designation_slope) * effective_designated
    )
    return cast(np.ndarray, np.clip(target, 0.01, cap))


def discount_share_step(
    share: np.ndarray, target: np.ndarray, half_life: np.ndarray | float, sd_logit: np.ndarray | float, eps: np.ndarray
) -> np.ndarray:
    """logit d' = logit d + a (logit d* - logit d) + sd eps: the discount tracks its target with a half-life
    (cargoes are priced a few weeks ahead) and weekly noise, staying inside (0, 1)."""
    x = logit(np.clip(share, 1e-6, 1 - 1e-6))
    x_star = logit(np.clip(target, 1e-6, 1 - 1e-6))
    return np.asarray(expit(x + adaptation_weight(half_life) * (x_star - x) + np.asarray(sd_logit) * eps))


def delivered_discount(
    base: np.ndarray | float,
    passthrough: np.ndarray | float,
    fob_share: np.ndarray,
    fob_share0: np.ndarray | float,
    brent: np.ndarray,
) -> np.ndarray:
    """The discount India sees on delivered cargoes ($/bbl): base + pass-through of the FOB discount's widening
    since week 0 (most of it goes to freight, insurance and intermediaries), at least 0."""
    return cast(
        np.ndarray, np.maximum(np.asarray(base) + np.asarray(passthrough) * (fob_share - fob_share0) * brent, 0.0)
    )


def designation_cap(
    effective_designated: np.ndarray, compliance: np.ndarray | float, waiver: np.ndarray | float
) -> np.ndarray:
    """Multiplier on India's target share: 1 - compliance x D_eff x (1 - waiver), in [0, 1]."""
    return cast(
        np.ndarray, np.clip(1.0 - np.asarray(compliance) * effective_designated * (1.0 - np.asarray(waiver)), 0.0, 1.0)
    )


def india_share_noisy_step(
    share: np.ndarray,
    target: np.ndarray,
    lag: np.ndarray | float,
    sd: np.ndarray | float,
    eps: np.ndarray,
    cap: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Partial adjustment toward the target with a contract lag (weeks) plus weekly noise (cargo timing,
    refinery maintenance), clipped to [0, cap] (a purchase cap is a policy, not a target: the noise never
    breaks it). Its stationary sd around a fixed target away from the bounds is sd / sqrt(1 - (1 - 1/lag)^2)."""
    lag = np.maximum(np.asarray(lag, dtype=float), 1.0)
    moved = share + (target - share) / lag + np.asarray(sd) * eps
    return cast(np.ndarray, np.clip(moved, 0.0, np.minimum(np.asarray(cap, dtype=float), 1.0)))


def stationary_sd(lag: float, sd: float) -> float:
    """Closed form of the AR(1) share's stationary sd: sd / sqrt(1 - (1 - 1/lag)^2)."""
    phi = 1.0 - 1.0 / max(lag, 1.0)
    return sd / float(np.sqrt(1.0 - phi * phi))
