"""Europe's levers as the week's processes meet them: aid that replaces part of a US cut, the financing of
Ukraine from the immobilised assets or EU borrowing, sanctions packages that add enforcement, and the gas ban.

Europe (the EU, its member states and the UK) is the fifth agent (``sim.agents.Europe``). Its decision
(``europe_support``, after the week's events) sets the flow ``aid_eu`` and adopts sanctions packages; the
attrition process (``sim.processes.battle.Attrition``) funds Ukraine's replenishment from ``aid_eu`` and the
financing levers, and the oil process (``sim.processes.oil.OilMarket``) meets the added enforcement and the gas
ban. The equations are here, pure functions of arrays (docs/model.md §5.6):

- aid with substitution (Kiel Ukraine Support Tracker 2025): a_eu = a + s (w_us / w_eu) max(1 - a_us, 0);
- the financing bonus: b max(assets, rho loan) (the EUR 90bn loan funds what the EUR 140bn reparations loan
  would have, at rho = 90/140 of its size; the two are alternatives for the same 2026-27 gap);
- Ukraine's replenishment funding: 1 - w_us - w_eu - w_mob + w_us a_us + w_eu a_eu + w_mob m + bonus;
- enforcement: min(e_us + e_eu, 1); a package adopted with weekly probability rate / 52.18 adds a step;
- the gas ban: Russia's budget loses g x (revenue from gas sold to the EU) a week.
"""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 365.25 / 7.0


def aid_with_substitution(
    aid_eu: np.ndarray | float,
    substitution: np.ndarray | float,
    aid_us: np.ndarray | float,
    weight_us: np.ndarray | float,
    weight_eu: np.ndarray | float,
) -> np.ndarray:
    """Europe's effective aid (x Oct 2025): its own lever plus the share ``substitution`` of the US cut below the
    Oct 2025 level, in units of Europe's aid (a US cut of 1 is w_us of funding; Europe's unit is w_eu)."""
    cut_us = np.maximum(1.0 - np.asarray(aid_us, dtype=float), 0.0)
    return np.asarray(aid_eu + substitution * np.asarray(weight_us) / np.maximum(weight_eu, 1e-12) * cut_us)


def financing_bonus(
    bonus: np.ndarray | float, assets: np.ndarray | float, loan: np.ndarray | float, loan_ratio: np.ndarray | float
) -> np.ndarray:
    """Funding added by the reparations loan or the EU loan: the larger of the two, the loan at ``loan_ratio``
    of the reparations loan's size (they finance the same 2026-27 gap)."""
    return np.asarray(bonus * np.maximum(assets, loan_ratio * np.asarray(loan)))


def ukraine_funding(
    aid_us: np.ndarray | float,
    aid_eu: np.ndarray | float,
    mobilisation: np.ndarray | float,
    weight_us: np.ndarray | float,
    weight_eu: np.ndarray | float,
    weight_mob: np.ndarray | float,
    bonus: np.ndarray | float,
) -> np.ndarray:
    """Ukraine's replenishment funding (1 = Oct 2025): each source's weight moved by its level, the rest (its own
    budget and industry) fixed, plus the financing bonus."""
    fixed = 1.0 - weight_us - weight_eu - weight_mob
    return np.asarray(fixed + weight_us * aid_us + weight_eu * aid_eu + weight_mob * mobilisation + bonus)


def enforcement(sanctions_us: np.ndarray | float, sanctions_eu: np.ndarray | float) -> np.ndarray:
    """The enforcement the oil market meets: the G7 level (us.sanctions) plus what EU packages added, at most 1."""
    return np.minimum(np.asarray(sanctions_us, dtype=float) + sanctions_eu, 1.0)


def package_adopted(u: np.ndarray, rate_per_year: np.ndarray | float) -> np.ndarray:
    """A sanctions package this week: a Poisson process at ``rate_per_year`` (weekly probability rate / 52.18)."""
    return np.asarray(u < np.asarray(rate_per_year, dtype=float) / WEEKS_PER_YEAR)


def ratchet(sanctions_eu: np.ndarray, adopted: np.ndarray, step: np.ndarray | float) -> np.ndarray:
    """EU enforcement after this week's packages: one step per package, at most 1 (``enforcement`` caps the sum
    with the G7 level)."""
    return np.asarray(np.minimum(sanctions_eu + step * adopted, np.maximum(sanctions_eu, 1.0)))


def gas_revenue_lost(gas_ban: np.ndarray | float, gas_revenue: np.ndarray | float) -> np.ndarray:
    """Russia's weekly budget revenue ($bn) lost to the EU's ban on Russian gas."""
    return np.asarray(np.asarray(gas_ban, dtype=float) * gas_revenue)
