"""The front (sim/processes/front.py): drift from the balance of strength, weekly noise from the data, the
gambler's-ruin walk as its limiting case (closed forms: Feller; Cox and Miller 1965)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.processes import battle, front

Z99 = 2.5758293035489004


def test_noise_in_steps_converts_km2_to_steps():
    # one step of 136,000 km2 / 200 is 680 km2: 68 km2 is a tenth of a step
    assert float(front.noise_in_steps(68.0, 136_000.0, 200)) == pytest.approx(0.1)


def test_coin_weight_one_without_noise_is_exactly_the_gamblers_ruin_step():
    rng = np.random.default_rng(3)
    steps = rng.integers(0, 201, 1000)
    won = rng.random(1000) < 0.54
    z = rng.standard_normal(1000)
    moved = front.front_move(steps.astype(float), 200, 0.08, won, 1.0, 0.0, z)
    np.testing.assert_array_equal(moved, battle.front_step(steps, won, 200).astype(float))


def test_coin_weight_zero_without_noise_is_the_drift():
    moved = front.front_move(
        np.array([100.0, 0.0, 200.0]),
        200,
        front.drift_steps(0.6, 680.0, np.inf),
        np.array([False, True, True]),
        0.0,
        0.0,
        np.zeros(3),
    )
    # drift 2p - 1 = 0.2 steps a week whatever the week's result; the ends clip
    np.testing.assert_allclose(moved, [100.2, 0.2, 200.0])


@pytest.mark.parametrize(("p", "w", "s"), [(0.54, 0.0, 0.15), (0.5, 1.0, 0.0), (0.6, 0.5, 0.3)])
def test_simulated_weekly_moments_match_the_closed_form(p, w, s):
    rng = np.random.default_rng(11)
    n = 200_000
    won = rng.random(n) < p
    moved = front.front_move(np.full(n, 100.0), 200, 2 * p - 1, won, w, s, rng.standard_normal(n)) - 100.0
    mean, var = front.weekly_moments(p, w, s)
    assert abs(moved.mean() - mean) < Z99 * math.sqrt(var / n)
    # the variance of a sample variance is about 2 var^2 / n for near-normal, larger with the coin: allow 4x
    assert abs(moved.var() - var) < Z99 * math.sqrt(4 * var * var / n)


def test_fifty_two_week_spread_matches_the_closed_form():
    rng = np.random.default_rng(5)
    n, weeks, p, s = 20_000, 52, 0.54, 0.15
    pos = np.full(n, 100.0)
    for _ in range(weeks):
        pos = front.front_move(pos, 200, 2 * p - 1, rng.random(n) < p, 0.0, s, rng.standard_normal(n))
    mean, sd = front.change_moments(p, 0.0, s, weeks)
    assert mean == pytest.approx(52 * 0.08)
    assert sd == pytest.approx(0.15 * math.sqrt(52))
    assert abs((pos - 100).mean() - mean) < Z99 * sd / math.sqrt(n)
    assert abs((pos - 100).std() - sd) < 0.03 * sd


def test_the_coin_flip_front_is_far_wider_than_the_data_allows():
    # the old front: one 680 km2 step a week, sd over a year ~ 680 sqrt(52) ~ 4,900 km2; with 95 km2 of
    # weekly noise instead it is ~ 690 km2 (observed annual net changes 2023-25: 584 to ~5,600 km2)
    step = 680.0
    _, sd_coin = front.change_moments(0.54, 1.0, 0.0, 52)
    _, sd_noise = front.change_moments(0.54, 0.0, 95.0 / step, 52)
    assert sd_coin * step == pytest.approx(4_890, rel=0.01)
    assert sd_noise * step == pytest.approx(685, rel=0.01)


def test_weekly_sd_from_monthly():
    assert front.weekly_sd_from_monthly(200.0) == pytest.approx(200.0 / math.sqrt(365.25 / 12 / 7))


def test_drift_is_linear_near_parity_and_saturates_at_the_fastest_pace():
    a, v = 680.0, 160.0
    # p = 0.54: 54.4 km2 a week linear, 52.4 saturated (a 4% difference)
    assert float(front.drift_steps(0.54, a, v)) * a == pytest.approx(v * math.tanh(54.4 / v))
    assert float(front.drift_steps(0.54, a, v)) * a == pytest.approx(54.4, rel=0.05)
    # a large edge cannot push the pace past V
    assert float(front.drift_steps(0.9, a, v)) * a < v
    assert float(front.drift_steps(0.1, a, v)) * a > -v
    assert float(front.drift_steps(0.7, a, np.inf)) == pytest.approx(0.4)
    ps = np.linspace(0.01, 0.99, 99)
    assert np.all(np.diff(front.drift_steps(ps, a, v)) > 0)
