"""Russia's public finances: the federal budget, its financing margins and the strain left when they run out.

Spending and non-oil revenue come from the stated 2025-26 budget (not from week-0 oil revenue), so a lower oil
price widens the gap instead of lowering the spending it has to fund. A weekly gap G = spending - revenue is
financed in the order Russia's Ministry of Finance has used since 2022:

1. domestic borrowing (OFZ), up to a weekly capacity b (the planned deficit is borrowed);
2. the National Wealth Fund's liquid assets N (the budget rule pays oil-revenue shortfalls from it);
3. spending cuts (sequestration of non-war items), up to a share c of spending a week;
4. what is left is unfunded: fiscal strain, the unfunded share of war spending, in [0, 1].

A surplus (G < 0) is saved into the fund. Strain is zero until the fund is exhausted *and* the gap exceeds
borrowing plus cuts: economic pressure reaches war costs only after the fiscal adjustment (Hufbauer, Schott,
Elliott and Oegg 2007 on why sanctions rarely coerce; Gaddy and Ickes 2010 on Russia's oil-rent buffers).
"""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 365.25 / 7.0


def rub_trn_per_year_to_usd_bn_per_week(rub_trn: float, rub_per_usd: float) -> float:
    """A budget line in trillions of roubles a year as $bn a week: 1000 x trn / (RUB/$) / 52.18."""
    return 1000.0 * rub_trn / rub_per_usd / WEEKS_PER_YEAR


def finance_gap(
    gap: np.ndarray,
    nwf: np.ndarray,
    borrow_cap: np.ndarray | float,
    cut_cap: np.ndarray | float,
    spending: np.ndarray | float,
    war_share: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Finance one week's gap ($bn): borrowing, then the fund, then cuts; the rest is unfunded.

    Returns (fund after the week, borrowing, share of spending cut, strain = unfunded / war spending in [0, 1])."""
    gap = np.asarray(gap, dtype=float)
    need = np.maximum(gap, 0.0)
    borrowed = np.minimum(need, borrow_cap)
    need = need - borrowed
    from_fund = np.minimum(need, nwf)
    need = need - from_fund
    spending = np.asarray(spending, dtype=float)
    cut = np.minimum(need, np.asarray(cut_cap) * spending)
    unfunded = need - cut
    new_fund = nwf - from_fund + np.maximum(-gap, 0.0)
    cut_share = cut / np.maximum(spending, 1e-12)
    strain = np.clip(unfunded / np.maximum(np.asarray(war_share) * spending, 1e-12), 0.0, 1.0)
    return new_fund, borrowed, cut_share, strain


def projected_strain(
    gap: np.ndarray,
    nwf: np.ndarray,
    borrow_cap: np.ndarray | float,
    cut_cap: np.ndarray | float,
    spending: np.ndarray | float,
    war_share: np.ndarray | float,
    horizon: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Average cut share and strain over the next ``horizon`` weeks if today's gap persists (projected fiscal
    exhaustion). The fund pays max(G - b, 0) a week and lasts N / that many weeks; after it, cuts cover up to
    c x spending and the rest is strain."""
    gap = np.asarray(gap, dtype=float)
    spending = np.asarray(spending, dtype=float)
    draw = np.maximum(gap - borrow_cap, 0.0)
    weeks_left = np.where(draw > 0, nwf / np.maximum(draw, 1e-12), np.inf)
    after = np.clip(horizon - weeks_left, 0.0, None) / np.asarray(horizon, dtype=float)
    cut = np.minimum(draw, np.asarray(cut_cap) * spending)
    cut_share = cut / np.maximum(spending, 1e-12)
    strain = np.clip((draw - cut) / np.maximum(np.asarray(war_share) * spending, 1e-12), 0.0, 1.0)
    return cut_share * after, strain * after


def weeks_to_exhaustion(gap: float, nwf: float, borrow_cap: float) -> float:
    """Closed form: weeks until the fund is empty at a constant gap, N / (G - b) (inf if G <= b)."""
    draw = gap - borrow_cap
    return float("inf") if draw <= 0 else nwf / draw
