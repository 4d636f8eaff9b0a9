"""Weekly costs of fighting and resolve (sim/processes/costs.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.processes import costs
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)


def test_weekly_cost_ru_is_casualties_fuel_and_fiscal_strain():
    out = costs.weekly_cost_ru(
        5e-4, np.array([1.0, 0.8]), 1.0, 0.002, np.array([0.24, 0.3]), 0.004, np.array([0.0, 0.5]), 1.0
    )
    np.testing.assert_allclose(out, [5e-4 + 0.002 * 0.24, 5e-4 * 0.8 + 0.002 * 0.3 + 0.004 * 0.5])


def test_weekly_cost_ua_is_casualties_and_energy_deficit():
    out = costs.weekly_cost_ua(6e-4, np.array([1.0, 1.2]), 0.5, 0.006, np.array([0.0, 0.2]), 2.0)
    np.testing.assert_allclose(out, [2.0 * 6e-4 * 0.5, 2.0 * (6e-4 * 1.2 * 0.5 + 0.006 * 0.2)])


def test_weekly_costs_scale_linearly():
    args_ru = (5e-4, np.array([1.0]), 1.0, 0.002, np.array([0.24]), 0.004, np.array([0.3]))
    assert costs.weekly_cost_ru(*args_ru, 3.0)[0] == pytest.approx(3.0 * costs.weekly_cost_ru(*args_ru, 1.0)[0])
    args_ua = (6e-4, np.array([1.0]), 1.0, 0.006, np.array([0.2]))
    assert costs.weekly_cost_ua(*args_ua, 0.5)[0] == pytest.approx(0.5 * costs.weekly_cost_ua(*args_ua, 1.0)[0])


@given(
    base=st.floats(0.0, 0.01),
    m=st.floats(0.0, 3.0),
    intensity=st.floats(0.0, 3.0),
    c1=st.floats(0.0, 0.05),
    x1=st.floats(0.0, 1.0),
    c2=st.floats(0.0, 0.05),
    x2=st.floats(0.0, 1.0),
    scale=st.floats(0.0, 3.0),
)
def test_weekly_costs_are_non_negative_for_non_negative_drivers(base, m, intensity, c1, x1, c2, x2, scale):
    ru = costs.weekly_cost_ru(base, np.array([m]), intensity, c1, np.array([x1]), c2, np.array([x2]), scale)
    ua = costs.weekly_cost_ua(base, np.array([m]), intensity, c1, np.array([x1]), scale)
    assert ru[0] >= 0.0 and ua[0] >= 0.0
    assert np.isfinite(ru).all() and np.isfinite(ua).all()


def test_resolve_recovers_geometrically_toward_one_without_cost():
    r = np.array([0.4])
    for week in range(1, 100):
        r = costs.resolve_step(r, np.array([0.0]), 0.0125, 5.0)
        assert 1.0 - r[0] == pytest.approx(0.6 * (1 - 0.0125) ** week, rel=1e-10)


def test_resolve_erodes_with_cost():
    r0 = np.array([0.7, 0.7])
    r1 = costs.resolve_step(r0, np.array([0.0, 0.002]), 0.0125, 5.0)
    assert r1[1] == pytest.approx(r1[0] - 5.0 * 0.002)
    assert r1[1] < r1[0]


def test_resolve_stationary_level_balances_recovery_and_erosion():
    recovery, erosion, cost = 0.0125, 5.0, 0.00075
    r = np.array([1.0])
    for _ in range(3000):
        r = costs.resolve_step(r, np.array([cost]), recovery, erosion)
    assert r[0] == pytest.approx(1.0 - erosion * cost / recovery, rel=1e-9)


def test_resolve_is_clipped_to_unit_interval():
    out = costs.resolve_step(np.array([0.05, 1.0]), np.array([1.0, -1.0]), 0.0125, 5.0)
    np.testing.assert_array_equal(out, [0.0, 1.0])


@given(
    resolve=st.floats(0.0, 1.0), cost=st.floats(0.0, 1.0), recovery=st.floats(0.0, 1.0), erosion=st.floats(0.0, 1000.0)
)
def test_resolve_step_stays_in_unit_interval(resolve, cost, recovery, erosion):
    out = costs.resolve_step(np.array([resolve]), np.array([cost]), recovery, erosion)
    assert np.isfinite(out).all()
    assert 0.0 <= out[0] <= 1.0


@given(r1=st.floats(0.0, 1.0), r2=st.floats(0.0, 1.0), cost=st.floats(0.0, 0.1), recovery=st.floats(0.0, 1.0))
def test_resolve_step_preserves_order(r1, r2, cost, recovery):
    lo, hi = sorted((r1, r2))
    out = costs.resolve_step(np.array([lo, hi]), np.array([cost, cost]), recovery, 5.0)
    assert out[0] <= out[1]
