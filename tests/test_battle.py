"""Process 4: Tullock contest, gambler's-ruin front and Lanchester attrition (sim/processes/battle.py).

Closed forms from /work/shared/fixtures/closed_forms.md (Feller; Tullock 1980)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.processes import battle
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)

Z99 = 2.5758293035489004  # two-sided 99% normal quantile


# --- Tullock contest ------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "expected"), [(1, 0.666667), (2, 0.8), (4, 0.941176), (8, 0.996109)])
def test_tullock_two_to_one_strengths_match_fixture(k, expected):
    p = battle.tullock(2.0, 1.0, 1.0, k)
    assert p == pytest.approx(expected, abs=5e-7)
    assert p == pytest.approx(2.0**k / (2.0**k + 1.0), rel=1e-12)


def test_tullock_with_unit_gamma_is_plain_ratio_form():
    rng = np.random.default_rng(1)
    m_ru, m_ua = rng.uniform(0.1, 3.0, 500), rng.uniform(0.1, 3.0, 500)
    k = rng.uniform(0.5, 8.0, 500)
    np.testing.assert_allclose(battle.tullock(m_ru, m_ua, 1.0, k), m_ru**k / (m_ru**k + m_ua**k), rtol=1e-12)


def test_tullock_with_gamma_scales_ukraines_strength():
    rng = np.random.default_rng(2)
    m_ru, m_ua = rng.uniform(0.1, 3.0, 200), rng.uniform(0.1, 3.0, 200)
    gamma, k = rng.uniform(0.5, 2.0, 200), 2.0
    np.testing.assert_allclose(
        battle.tullock(m_ru, m_ua, gamma, k), m_ru**k / (m_ru**k + (gamma * m_ua) ** k), rtol=1e-12
    )


@pytest.mark.parametrize("p0", [0.3, 0.5, 0.51, 0.54, 0.57, 0.9])
@pytest.mark.parametrize("k", [0.5, 1.0, 2.0, 4.0, 8.0])
def test_balance_factor_makes_equal_strengths_win_with_base_rate(p0, k):
    gamma = battle.balance_factor(p0, k)
    assert battle.tullock(1.0, 1.0, gamma, k) == pytest.approx(p0, rel=1e-12)


def test_balance_factor_is_vectorised_and_equal_to_formula():
    p0 = np.array([0.51, 0.55, 0.57])
    k = np.array([1.0, 2.0, 4.0])
    gamma = battle.balance_factor(p0, k)
    np.testing.assert_allclose(gamma, ((1 - p0) / p0) ** (1 / k), rtol=1e-14)
    np.testing.assert_allclose(battle.tullock(np.ones(3), np.ones(3), gamma, k), p0, rtol=1e-12)


def test_balance_factor_is_one_at_even_odds():
    assert battle.balance_factor(0.5, 2.0) == pytest.approx(1.0)


def test_tullock_stays_finite_when_a_side_has_zero_strength():
    assert battle.tullock(0.0, 1.0, 1.0, 2.0) == pytest.approx(0.0, abs=1e-20)
    assert battle.tullock(1.0, 0.0, 1.0, 2.0) == 1.0


@given(m_ru=st.floats(0.01, 10.0), m_ua=st.floats(0.01, 10.0), gamma=st.floats(0.1, 10.0), k=st.floats(0.1, 20.0))
def test_tullock_is_a_probability(m_ru, m_ua, gamma, k):
    p = float(battle.tullock(m_ru, m_ua, gamma, k))
    assert 0.0 <= p <= 1.0
    assert not math.isnan(p)


@given(m_ru=st.floats(0.05, 5.0), m_ua=st.floats(0.05, 5.0), extra=st.floats(0.01, 2.0), k=st.floats(0.1, 8.0))
def test_tullock_increases_in_russian_strength_and_decreases_in_ukrainian(m_ru, m_ua, extra, k):
    base = battle.tullock(m_ru, m_ua, 1.0, k)
    assert battle.tullock(m_ru + extra, m_ua, 1.0, k) >= base
    assert battle.tullock(m_ru, m_ua + extra, 1.0, k) <= base


@given(m_ru=st.floats(0.05, 5.0), m_ua=st.floats(0.05, 5.0), k=st.floats(0.1, 8.0))
def test_tullock_is_symmetric_under_swapping_sides(m_ru, m_ua, k):
    assert battle.tullock(m_ru, m_ua, 1.0, k) + battle.tullock(m_ua, m_ru, 1.0, k) == pytest.approx(1.0)


# --- Gambler's ruin closed forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "k", "p", "prob", "duration"), [(10, 5, 0.55, 0.731717, 23.1717), (10, 5, 0.50, 0.5, 25.0)]
)
def test_gamblers_ruin_matches_fixture_table(n, k, p, prob, duration):
    assert battle.gamblers_ruin_probability(n, k, p) == pytest.approx(prob, abs=5e-7)
    assert battle.gamblers_ruin_duration(n, k, p) == pytest.approx(duration, abs=5e-5)


def test_gamblers_ruin_near_fair_is_continuous_with_the_fair_case():
    for p in (0.5 - 1e-6, 0.5 + 1e-6):
        assert battle.gamblers_ruin_probability(10, 3, p) == pytest.approx(0.3, abs=1e-5)
        assert battle.gamblers_ruin_duration(10, 3, p) == pytest.approx(21.0, abs=1e-3)


def test_gamblers_ruin_boundaries_are_absorbing():
    for p in (0.3, 0.5, 0.7):
        assert battle.gamblers_ruin_probability(10, 0, p) == pytest.approx(0.0)
        assert battle.gamblers_ruin_probability(10, 10, p) == pytest.approx(1.0)
        assert battle.gamblers_ruin_duration(10, 0, p) == pytest.approx(0.0, abs=1e-12)
        assert battle.gamblers_ruin_duration(10, 10, p) == pytest.approx(0.0, abs=1e-9)


def _ruin_by_linear_solve(n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Absorption probability at n and expected duration from the first-step equations, solved numerically."""
    q = 1.0 - p
    interior = n - 1
    a = np.eye(interior)
    for i in range(interior):
        if i + 1 < interior:
            a[i, i + 1] -= p
        if i - 1 >= 0:
            a[i, i - 1] -= q
    b_prob = np.zeros(interior)
    b_prob[-1] = p
    prob = np.linalg.solve(a, b_prob)
    dur = np.linalg.solve(a, np.ones(interior))
    return prob, dur


@pytest.mark.parametrize("p", [0.35, 0.5, 0.55, 0.7])
def test_gamblers_ruin_formulas_solve_first_step_equations(p):
    n = 12
    prob, dur = _ruin_by_linear_solve(n, p)
    for k in range(1, n):
        assert battle.gamblers_ruin_probability(n, k, p) == pytest.approx(prob[k - 1], rel=1e-10)
        assert battle.gamblers_ruin_duration(n, k, p) == pytest.approx(dur[k - 1], rel=1e-10)


# --- The front: Monte Carlo of front_step reduces to gambler's ruin -------------------------------


def _simulate_front(n: int, k: int, p: float, walks: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    steps = np.full(walks, k, dtype=np.int64)
    duration = np.zeros(walks, dtype=np.int64)
    active = np.ones(walks, dtype=bool)
    while active.any():
        russia_won = rng.random(walks) < p  # the full shape every week, as the model draws it
        steps = np.where(active, battle.front_step(steps, russia_won, n), steps)
        duration += active
        active = (steps > 0) & (steps < n)
    return steps == n, duration


@pytest.mark.parametrize(("p", "seed"), [(0.55, 20251016), (0.5, 7)])
def test_front_reduces_to_gamblers_ruin(p, seed):
    n, k, walks = 10, 5, 20_000
    reached_top, duration = _simulate_front(n, k, p, walks, seed)

    prob = battle.gamblers_ruin_probability(n, k, p)
    half_width = Z99 * math.sqrt(prob * (1.0 - prob) / walks)
    assert abs(reached_top.mean() - prob) < half_width

    mean_t = battle.gamblers_ruin_duration(n, k, p)
    se = duration.std(ddof=1) / math.sqrt(walks)
    assert abs(duration.mean() - mean_t) < Z99 * se


def test_front_with_tullock_base_rate_reduces_to_gamblers_ruin():
    """Constant equal strengths with the calibrated balance factor give a constant p = p0 walk."""
    n, k, walks, p0 = 10, 5, 20_000, 0.55
    p = float(battle.tullock(1.0, 1.0, battle.balance_factor(p0, 2.0), 2.0))
    reached_top, _ = _simulate_front(n, k, p, walks, seed=99)
    prob = battle.gamblers_ruin_probability(n, k, p0)
    assert abs(reached_top.mean() - prob) < Z99 * math.sqrt(prob * (1 - prob) / walks)


def test_front_step_moves_one_integer_step_and_keeps_dtype():
    steps = np.array([1, 5, 9], dtype=np.int32)
    out = battle.front_step(steps, np.array([True, False, True]), 10)
    np.testing.assert_array_equal(out, [2, 4, 10])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(steps, [1, 5, 9])  # input not mutated


def test_front_boundaries_are_absorbing():
    steps = np.array([0, 10, 0, 10])
    out = battle.front_step(steps, np.array([False, True, True, False]), 10)
    np.testing.assert_array_equal(out, [0, 10, 1, 9])


# --- Attrition ------------------------------------------------------------------------------------

RATE, LOSER_EXTRA, THETA = 0.02, 0.5, 0.04
BASE = RATE * (1.0 + LOSER_EXTRA / 2.0)  # the parameter's documented derivation: expected loss at parity


def _attrition(
    m_ru,
    m_ua,
    won,
    *,
    intensity=1.0,
    funding_ru=1.0,
    funding_ua=1.0,
    rate=RATE,
    loser_extra=LOSER_EXTRA,
    base=BASE,
    theta=THETA,
):
    return battle.attrition_step(
        np.asarray(m_ru, dtype=float),
        np.asarray(m_ua, dtype=float),
        np.asarray(won, dtype=bool),
        rate,
        intensity,
        loser_extra,
        base,
        theta,
        funding_ru,
        funding_ua,
    )


def test_attrition_expected_change_is_zero_at_parity_with_full_funding():
    ones = np.ones(2)
    won = np.array([True, False])  # each outcome with probability 1/2 at parity
    m_ru, m_ua = _attrition(ones, ones, won)
    assert m_ru.mean() - 1.0 == pytest.approx(0.0, abs=1e-15)
    assert m_ua.mean() - 1.0 == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("m", [0.5, 0.8, 0.95, 1.05, 1.3])
def test_attrition_is_restoring_around_parity(m):
    """At equal strengths m, the expected change has the sign of 1 - m: parity at 1 is an attractor."""
    level = np.full(2, m)
    won = np.array([True, False])
    m_ru, m_ua = _attrition(level, level, won)
    drift_ru, drift_ua = m_ru.mean() - m, m_ua.mean() - m
    assert np.sign(drift_ru) == np.sign(1.0 - m)
    assert np.sign(drift_ua) == np.sign(1.0 - m)
    expected = (RATE * (1 + LOSER_EXTRA / 2) + THETA) * (1.0 - m)
    assert drift_ru == pytest.approx(expected, rel=1e-12)


def test_attrition_expected_walk_at_parity_does_not_drift_into_collapse():
    m_ru = m_ua = np.array([0.9])
    for _ in range(300):
        a_ru, a_ua = _attrition(np.repeat(m_ru, 2), np.repeat(m_ua, 2), np.array([True, False]))
        m_ru, m_ua = a_ru.mean(keepdims=True), a_ua.mean(keepdims=True)
    assert m_ru[0] == pytest.approx(1.0, abs=1e-6)
    assert m_ua[0] == pytest.approx(1.0, abs=1e-6)


def test_attrition_loser_loses_more():
    ones = np.ones(2)
    won = np.array([True, False])
    m_ru, m_ua = _attrition(ones, ones, won)
    # Russia won the first week: Ukraine lost more than Russia; and the reverse in the second.
    assert (1 - m_ua[0]) > (1 - m_ru[0])
    assert (1 - m_ru[1]) > (1 - m_ua[1])
    # Russia's loss when losing is (1 + loser_extra) times its loss when winning.
    loss_win = RATE * 1.0
    loss_lose = RATE * (1.0 + LOSER_EXTRA)
    assert m_ru[0] == pytest.approx(1.0 - loss_win + BASE)
    assert m_ru[1] == pytest.approx(1.0 - loss_lose + BASE)


def test_attrition_losses_scale_with_enemy_strength_lanchester_square():
    m_ru, _ = _attrition([1.0], [2.0], [True], base=0.0, theta=0.0)
    assert 1.0 - m_ru[0] == pytest.approx(RATE * 2.0)
    _, m_ua = _attrition([3.0], [1.0], [True], base=0.0, theta=0.0)
    assert 1.0 - m_ua[0] == pytest.approx(RATE * 3.0 * (1 + LOSER_EXTRA))


def test_attrition_zero_intensity_leaves_only_restoring_term():
    m_ru, m_ua = _attrition([0.7], [1.2], [True], intensity=0.0)
    assert m_ru[0] == pytest.approx(0.7 + THETA * 0.3)
    assert m_ua[0] == pytest.approx(1.2 - THETA * 0.2)


def test_attrition_funding_scales_replenishment():
    full = _attrition([0.8], [0.8], [True])
    half = _attrition([0.8], [0.8], [True], funding_ru=0.5, funding_ua=0.5)
    repl = BASE + THETA * 0.2
    assert full[0][0] - half[0][0] == pytest.approx(0.5 * repl)
    assert full[1][0] - half[1][0] == pytest.approx(0.5 * repl)


def test_attrition_does_not_mutate_inputs():
    m_ru, m_ua, won = np.array([0.9, 1.1]), np.array([1.0, 0.7]), np.array([True, False])
    copies = (m_ru.copy(), m_ua.copy(), won.copy())
    battle.attrition_step(m_ru, m_ua, won, RATE, 1.0, LOSER_EXTRA, BASE, THETA, 1.0, 1.0)
    for before, after in zip(copies, (m_ru, m_ua, won), strict=True):
        np.testing.assert_array_equal(before, after)


strength = st.floats(0.0, 3.0)
unit = st.floats(0.0, 1.0)


@given(
    m_ru=strength,
    m_ua=strength,
    won=st.booleans(),
    rate=st.floats(0.0, 0.5),
    intensity=st.floats(0.0, 3.0),
    loser_extra=st.floats(0.0, 5.0),
    base=st.floats(0.0, 0.5),
    theta=unit,
    funding_ru=st.floats(0.0, 2.0),
    funding_ua=st.floats(0.0, 2.0),
)
def test_attrition_strengths_stay_non_negative_and_finite(
    m_ru, m_ua, won, rate, intensity, loser_extra, base, theta, funding_ru, funding_ua
):
    out_ru, out_ua = battle.attrition_step(
        np.array([m_ru]),
        np.array([m_ua]),
        np.array([won]),
        rate,
        intensity,
        loser_extra,
        base,
        theta,
        funding_ru,
        funding_ua,
    )
    for out in (out_ru, out_ua):
        assert np.all(np.isfinite(out))
        assert np.all(out >= 0.0)
