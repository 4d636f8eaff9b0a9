"""Process 7: Fearon's bargaining range, acceptance, the Nash split and Rubinstein
(sim/processes/negotiation.py).

Closed forms from /work/shared/fixtures/closed_forms.md (Fearon 1995; Rubinstein 1982; Powell 2006)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim.processes import negotiation as neg
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)

Z99 = 2.5758293035489004
NAN = float("nan")

# Fearon's example: Russia (A) wins with probability p; war costs c_A, c_B.
P, C_A, C_B = 0.6, 0.10, 0.15
V_RU, V_UA = P - C_A, 1.0 - P - C_B


def _plain_range(v_ru=V_RU, v_ua=V_UA, k=0.0, g=0.0, relief=0.0, d_ru=NAN, d_ua=NAN):
    lo, hi = neg.bargaining_range(
        np.asarray(v_ru, dtype=float), np.asarray(v_ua, dtype=float), k, g, relief, d_ru, d_ua
    )
    return np.asarray(lo), np.asarray(hi)


def _settles(offer, lo, hi, tau, u_ru=None, u_ua=None):
    offer = np.asarray(offer, dtype=float)
    u_ru = np.full(offer.shape, 0.5) if u_ru is None else u_ru
    u_ua = np.full(offer.shape, 0.5) if u_ua is None else u_ua
    return neg.accept(offer - lo, tau, u_ru) & neg.accept(hi - offer, tau, u_ua)


# --- Fearon's range -------------------------------------------------------------------------------


def test_fearon_range_matches_fixture():
    lo, hi = _plain_range()
    assert float(lo) == pytest.approx(0.50, abs=1e-12)
    assert float(hi) == pytest.approx(0.75, abs=1e-12)
    assert float(lo) == pytest.approx(P - C_A)
    assert float(hi) == pytest.approx(P + C_B)


def test_war_values_from_expected_front_and_costs():
    v_ru, v_ua = neg.war_values(np.array([P]), np.array([P]), np.array([C_A]), np.array([C_B]))
    assert v_ru[0] == pytest.approx(V_RU)
    assert v_ua[0] == pytest.approx(V_UA)


def test_deterministic_acceptance_settles_exactly_inside_the_range():
    lo, hi = _plain_range()
    grid = np.linspace(0.0, 1.0, 1001)
    edges = np.array(
        [
            lo,
            hi,
            np.nextafter(lo, -np.inf),
            np.nextafter(lo, np.inf),
            np.nextafter(hi, -np.inf),
            np.nextafter(hi, np.inf),
        ],
        dtype=float,
    )
    offers = np.concatenate([grid, edges])
    # uniforms are irrelevant at tau = 0: use the extremes to prove it
    for u in (0.0, 0.999999):
        settle = _settles(offers, lo, hi, 0.0, np.full(offers.shape, u), np.full(offers.shape, u))
        np.testing.assert_array_equal(settle, (offers >= lo) & (offers <= hi))
    assert _settles(np.array([float(lo)]), lo, hi, 0.0)[0]
    assert _settles(np.array([float(hi)]), lo, hi, 0.0)[0]
    assert not _settles(np.array([np.nextafter(float(lo), -np.inf)]), lo, hi, 0.0)[0]
    assert not _settles(np.array([np.nextafter(float(hi), np.inf)]), lo, hi, 0.0)[0]


def test_deterministic_acceptance_never_settles_an_empty_range():
    lo, hi = _plain_range(v_ru=0.7, v_ua=0.4)  # hi = 0.6 < lo = 0.7
    offers = np.linspace(0.0, 1.0, 1001)
    assert not _settles(offers, lo, hi, 0.0).any()


def test_accept_at_tau_zero_is_sign_of_surplus():
    surplus = np.array([-1.0, -1e-12, 0.0, 1e-12, 1.0])
    np.testing.assert_array_equal(neg.accept(surplus, 0.0, np.zeros(5)), [False, False, True, True, True])


def test_accept_with_noise_is_half_at_zero_surplus():
    u = np.random.default_rng(11).random(200_000)
    rate = neg.accept(np.zeros_like(u), 0.005, u).mean()
    assert abs(rate - 0.5) < Z99 * math.sqrt(0.25 / u.size)
    # exactly: accept iff u < 1/2
    np.testing.assert_array_equal(neg.accept(np.zeros_like(u), 0.005, u), u < 0.5)


@pytest.mark.parametrize("surplus", [-0.02, -0.005, -0.001, 0.0, 0.002, 0.01, 0.03])
@pytest.mark.parametrize("tau", [0.005, 0.01])
def test_accept_with_noise_has_logistic_probability(surplus, tau):
    u = np.random.default_rng(int(1e6 * (surplus + 1) + 1e3 * tau)).random(100_000)
    prob = 1.0 / (1.0 + math.exp(-surplus / tau))
    rate = neg.accept(np.full(u.shape, surplus), tau, u).mean()
    half = Z99 * math.sqrt(max(prob * (1 - prob), 1e-12) / u.size) + 1e-9
    assert abs(rate - prob) <= half


def test_accept_noise_is_vectorised_over_tau_including_zero():
    surplus = np.array([-0.001, -0.001, 0.0, 0.0])
    tau = np.array([0.0, 0.01, 0.0, 0.01])
    u = np.array([0.1, 0.1, 0.9, 0.9])
    # tau=0: deterministic; tau=0.01 at surplus -0.001: prob = sigma(-0.1) ~ 0.475 > 0.1 -> accept
    np.testing.assert_array_equal(neg.accept(surplus, tau, u), [False, True, True, False])


def test_accept_is_finite_for_huge_surplus_ratios():
    surplus = np.array([-1.0, 1.0])
    np.testing.assert_array_equal(neg.accept(surplus, 1e-6, np.array([1e-300, 1 - 1e-16])), [False, True])


def test_small_noise_converges_to_fearon_rule():
    lo, hi = _plain_range()
    offers = np.linspace(0.0, 1.0, 201)
    offers = offers[np.abs(offers - lo) > 0.004]
    offers = offers[np.abs(offers - hi) > 0.004]
    rng = np.random.default_rng(12)
    u_ru, u_ua = rng.random(offers.size), rng.random(offers.size)
    np.testing.assert_array_equal(_settles(offers, lo, hi, 1e-4, u_ru, u_ua), (offers >= lo) & (offers <= hi))


# --- demands, guarantees, relief ------------------------------------------------------------------


def test_demands_narrow_the_range():
    lo, hi = _plain_range()
    lo_d, hi_d = _plain_range(d_ru=0.6, d_ua=0.7)
    assert float(lo_d) == pytest.approx(0.6)
    assert float(hi_d) == pytest.approx(0.7)
    # demands inside the range that are slacker than the reservation values change nothing
    lo_s, hi_s = _plain_range(d_ru=0.3, d_ua=0.9)
    assert float(lo_s) == pytest.approx(float(lo))
    assert float(hi_s) == pytest.approx(float(hi))


def test_nan_demands_leave_the_range_unchanged():
    lo, hi = _plain_range()
    lo_n, hi_n = _plain_range(d_ru=NAN, d_ua=NAN)
    assert float(lo_n) == float(lo) and float(hi_n) == float(hi)
    v_ru, v_ua = np.array([0.5, 0.4, 0.3]), np.array([0.25, 0.3, 0.2])
    d_ru, d_ua = np.array([NAN, 0.45, NAN]), np.array([0.7, NAN, NAN])
    lo_v, hi_v = neg.bargaining_range(v_ru, v_ua, 0.0, 0.0, 0.0, d_ru, d_ua)
    np.testing.assert_allclose(lo_v, [0.5, 0.45, 0.3])
    np.testing.assert_allclose(hi_v, [0.7, 0.7, 0.8])
    assert not np.isnan(lo_v).any() and not np.isnan(hi_v).any()


def test_maximalist_demand_makes_settlement_impossible():
    lo, hi = _plain_range(d_ru=0.9)
    assert float(lo) > float(hi)
    assert not _settles(np.linspace(0, 1, 501), lo, hi, 0.0).any()


@pytest.mark.parametrize("k", [0.06, 0.12, 0.18])
def test_guarantees_raise_hi_by_k_times_g(k):
    _, hi0 = _plain_range(k=k, g=0.0)
    assert float(hi0) == pytest.approx(1.0 - V_UA - k)
    for g in (0.25, 0.8, 1.0):
        lo_g, hi_g = _plain_range(k=k, g=g)
        assert float(hi_g) - float(hi0) == pytest.approx(k * g)
        assert float(lo_g) == pytest.approx(V_RU)
    _, hi1 = _plain_range(k=k, g=1.0)
    assert float(hi1) == pytest.approx(0.75)  # full guarantees remove the commitment discount


def test_relief_lowers_lo_by_its_worth():
    lo, hi = _plain_range(relief=0.04)
    assert float(lo) == pytest.approx(V_RU - 0.04)
    assert float(hi) == pytest.approx(0.75)


unit = st.floats(0.0, 1.0)
value = st.floats(-0.5, 1.0)
demand = st.one_of(st.just(NAN), st.floats(0.0, 1.0))


@given(v_ru=value, v_ua=value, k=st.floats(0.0, 0.3), g=unit, relief=st.floats(0.0, 0.1), d_ru=demand, d_ua=demand)
def test_bargaining_range_demands_only_narrow(v_ru, v_ua, k, g, relief, d_ru, d_ua):
    lo0, hi0 = _plain_range(v_ru, v_ua, k, g, relief)
    lo, hi = _plain_range(v_ru, v_ua, k, g, relief, d_ru, d_ua)
    assert float(lo) >= float(lo0)
    assert float(hi) <= float(hi0)
    assert not (np.isnan(lo) or np.isnan(hi))


@given(
    v_ru=value,
    v_ua=value,
    k=st.floats(0.0, 0.3),
    g1=unit,
    g2=unit,
    r1=st.floats(0.0, 0.1),
    r2=st.floats(0.0, 0.1),
    dv=st.floats(0.0, 0.5),
)
def test_bargaining_range_is_monotone_in_guarantees_relief_and_war_values(v_ru, v_ua, k, g1, g2, r1, r2, dv):
    g_lo, g_hi = sorted((g1, g2))
    r_lo, r_hi = sorted((r1, r2))
    lo_a, hi_a = _plain_range(v_ru, v_ua, k, g_lo, r_lo)
    lo_b, hi_b = _plain_range(v_ru, v_ua, k, g_hi, r_hi)
    assert float(hi_b) >= float(hi_a)  # stronger guarantees: Ukraine accepts more
    assert float(lo_b) <= float(lo_a)  # more relief: Russia accepts less
    # higher war values (more optimism or lower costs) shrink the range from both ends
    lo_c, hi_c = _plain_range(v_ru + dv, v_ua + dv, k, g_lo, r_lo)
    assert float(lo_c) >= float(lo_a)
    assert float(hi_c) <= float(hi_a)


@given(p=st.floats(0.0, 1.0), c_a=st.floats(0.0, 0.5), c_b=st.floats(0.0, 0.5))
def test_range_is_never_empty_with_common_beliefs_and_positive_costs(p, c_a, c_b):
    """Fearon (1995): with common beliefs and costly war a mutually preferred deal always exists."""
    lo, hi = _plain_range(p - c_a, 1.0 - p - c_b)
    assert float(hi) - float(lo) == pytest.approx(c_a + c_b, abs=1e-12)
    assert float(hi) >= float(lo) - 1e-12


# --- Nash and Rubinstein --------------------------------------------------------------------------


@given(lo=unit, width=unit, beta=unit)
def test_nash_offer_lies_in_the_range(lo, width, beta):
    hi = min(lo + width, 1.0)
    x = float(neg.nash_offer(np.array(lo), np.array(hi), beta))
    assert lo - 1e-12 <= x <= hi + 1e-12


def test_nash_offer_formula_endpoints_and_clipping():
    lo, hi = _plain_range()
    assert float(neg.nash_offer(lo, hi, 0.0)) == pytest.approx(0.5)
    assert float(neg.nash_offer(lo, hi, 1.0)) == pytest.approx(0.75)
    assert float(neg.nash_offer(lo, hi, 0.5)) == pytest.approx(0.625)
    np.testing.assert_allclose(neg.nash_offer(np.array([-0.3, 0.9]), np.array([-0.1, 1.4]), 0.5), [0.0, 1.0])


def test_nash_offer_settles_with_deterministic_acceptance():
    lo, hi = _plain_range()
    for beta in np.linspace(0, 1, 11):
        offer = neg.nash_offer(lo, hi, beta)
        assert _settles(np.atleast_1d(offer), lo, hi, 0.0)[0]


@pytest.mark.parametrize(("d1", "d2", "expected"), [(0.9, 0.8, 0.714286), (0.95, 0.95, 0.512821), (0.5, 0.5, 0.666667)])
def test_rubinstein_share_matches_fixture(d1, d2, expected):
    assert neg.rubinstein_share(d1, d2) == pytest.approx(expected, abs=5e-7)


@given(d1=st.floats(0.0, 0.999), d2=st.floats(0.0, 0.999))
def test_rubinstein_share_solves_the_indifference_conditions(d1, d2):
    """x1 = 1 - d2 x2 and x2 = 1 - d1 x1 with x2 = x1 by stationarity (each proposer's share)."""
    x = neg.rubinstein_share(d1, d2)
    y = neg.rubinstein_share(d2, d1)  # player 2's share when proposing
    assert x == pytest.approx(1.0 - d2 * y, abs=1e-9)
    assert y == pytest.approx(1.0 - d1 * x, abs=1e-9)
    assert 0.0 <= x <= 1.0


def test_nash_beta_from_rates_matches_fixture():
    assert neg.nash_beta_from_rates(0.05, 0.10) == pytest.approx(0.666667, abs=5e-7)
    assert neg.nash_beta_from_rates(0.1, 0.1) == pytest.approx(0.5)


@pytest.mark.parametrize(("r1", "r2"), [(0.05, 0.10), (0.1, 0.1), (0.02, 0.3)])
def test_rubinstein_approaches_nash_split_as_period_shrinks(r1, r2):
    limit = neg.nash_beta_from_rates(r1, r2)
    errors = []
    for dt in (1.0, 1e-2, 1e-4, 1e-6):
        x = neg.rubinstein_share(math.exp(-r1 * dt), math.exp(-r2 * dt))
        errors.append(abs(x - limit))
    assert errors[-1] < 1e-5
    assert all(later <= earlier + 1e-12 for earlier, later in zip(errors, errors[1:], strict=False))


# --- expected front and expected costs ------------------------------------------------------------


def test_expected_front_formula():
    front = np.array([0.83, 0.5, 0.2])
    mean_p = np.array([0.7, 0.5, 0.45])
    out = neg.expected_front(front, 26.0, 200.0, mean_p)
    np.testing.assert_allclose(out, front + (26.0 / 200.0) * (2 * mean_p - 1))
    assert out[1] == pytest.approx(0.5)  # an even belief expects no movement


def test_expected_front_clips_to_unit_interval():
    out = neg.expected_front(np.array([0.99, 0.01]), 52.0, 200.0, np.array([0.9, 0.1]))
    np.testing.assert_array_equal(out, [1.0, 0.0])


@given(front=unit, horizon=st.floats(0.0, 104.0), n=st.floats(10.0, 1000.0), mean_p=unit)
def test_expected_front_is_in_unit_interval_and_monotone_in_belief(front, horizon, n, mean_p):
    e = float(neg.expected_front(np.array(front), horizon, n, np.array(mean_p)))
    assert 0.0 <= e <= 1.0
    e_more = float(neg.expected_front(np.array(front), horizon, n, np.array(min(mean_p + 0.1, 1.0))))
    assert e_more >= e


def test_expected_cost_scales_with_horizon_and_inverse_resolve():
    out = neg.expected_cost(np.array([0.001, 0.001]), 26.0, np.array([1.0, 0.5]))
    np.testing.assert_allclose(out, [0.026, 0.052])


def test_expected_cost_is_finite_at_zero_resolve():
    out = neg.expected_cost(np.array([0.001]), 26.0, np.array([0.0]))
    assert np.isfinite(out).all() and out[0] > 0


@given(v_ru=value, v_ua=value, beta=unit, k=st.floats(0.0, 0.3), g=unit, relief=st.floats(0.0, 0.1))
def test_round_outcome_is_consistent_with_range(v_ru, v_ua, beta, k, g, relief):
    """At tau = 0 a Nash offer settles if and only if the (clipped) offer lies in a non-empty range."""
    lo, hi = _plain_range(v_ru, v_ua, k, g, relief)
    assume(0.0 <= float(lo) <= 1.0 and 0.0 <= float(hi) <= 1.0)
    offer = neg.nash_offer(lo, hi, beta)
    settled = bool(_settles(np.atleast_1d(offer), lo, hi, 0.0)[0])
    assert settled == bool(float(lo) <= float(offer) <= float(hi))
    if float(lo) <= float(hi):
        assert settled
