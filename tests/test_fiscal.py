"""Russia's public finances (sim/processes/fiscal.py): borrowing, the National Wealth Fund, cuts, then strain."""

from __future__ import annotations

import numpy as np
import pytest

from sim.processes import fiscal

KW = dict(borrow_cap=1.0, cut_cap=0.05, spending=10.0, war_share=0.4)


def _fin(gap, nwf):
    return fiscal.finance_gap(np.asarray(gap, dtype=float), np.asarray(nwf, dtype=float), **KW)


def test_budget_conversion():
    # 2026 budget: 44.1 trn RUB of spending at 81 RUB/$ is about $10.4bn a week
    assert fiscal.rub_trn_per_year_to_usd_bn_per_week(44.1, 81.0) == pytest.approx(44_100 / 81 / 52.1786, rel=1e-4)


def test_a_gap_within_borrowing_costs_nothing():
    fund, borrowed, cut, strain = _fin([0.9], [50.0])
    assert (fund[0], borrowed[0], cut[0], strain[0]) == (50.0, 0.9, 0.0, 0.0)


def test_the_fund_pays_what_borrowing_does_not():
    fund, borrowed, cut, strain = _fin([1.6], [50.0])
    assert fund[0] == pytest.approx(49.4) and borrowed[0] == 1.0 and cut[0] == 0 and strain[0] == 0


def test_cuts_then_strain_once_the_fund_is_empty():
    fund, borrowed, cut, strain = _fin([3.0, 1.4], [0.2, 0.0])
    # 3.0: borrow 1.0, fund 0.2, cut 0.5 (5% of 10), unfunded 1.3 of war spending 4.0
    np.testing.assert_allclose(fund, [0.0, 0.0])
    np.testing.assert_allclose(cut, [0.05, 0.04])
    np.testing.assert_allclose(strain, [1.3 / 4.0, 0.0])


def test_a_surplus_is_saved_in_the_fund():
    fund, borrowed, cut, strain = _fin([-0.5], [10.0])
    assert fund[0] == 10.5 and borrowed[0] == 0 and cut[0] == 0 and strain[0] == 0


def test_strain_is_monotone_in_the_gap_and_bounded():
    gaps = np.linspace(-2, 20, 500)
    _, _, _, strain = _fin(gaps, np.zeros(500))
    assert np.all(np.diff(strain) >= 0) and strain.min() == 0 and strain.max() == 1


def test_fund_runs_out_when_the_closed_form_says():
    gap, nwf = 1.5, 10.0
    weeks = fiscal.weeks_to_exhaustion(gap, nwf, 1.0)
    assert weeks == pytest.approx(20.0)
    fund = np.array([nwf])
    for _ in range(20):
        fund, _, cut, _ = _fin([gap], fund)
        assert cut[0] == 0
    assert fund[0] == pytest.approx(0.0, abs=1e-12)
    _, _, cut, _ = _fin([gap], fund)
    assert cut[0] == pytest.approx(0.05)
    assert fiscal.weeks_to_exhaustion(0.9, nwf, 1.0) == float("inf")


def test_projected_strain_matches_simulating_the_constant_gap():
    gap, nwf, horizon = 3.0, 10.0, 26
    cut_p, strain_p = fiscal.projected_strain(np.array(gap), np.array(nwf), horizon=horizon, **KW)
    fund, cuts, strains = np.array([nwf]), [], []
    for _ in range(horizon):
        fund, _, cut, strain = _fin([gap], fund)
        cuts.append(cut[0])
        strains.append(strain[0])
    # fund lasts 10 / 2 = 5 weeks: 21 of 26 weeks strained (the simulation's fifth week is exactly exhausting)
    assert float(strain_p) == pytest.approx(np.mean(strains), abs=1e-12)
    assert float(cut_p) == pytest.approx(np.mean(cuts), abs=1e-12)


def test_no_projected_strain_while_borrowing_covers_the_gap():
    cut_p, strain_p = fiscal.projected_strain(np.array(0.8), np.array(0.0), horizon=26, **KW)
    assert float(cut_p) == 0 and float(strain_p) == 0
